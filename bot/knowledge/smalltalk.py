"""Greetings, thanks, goodbyes and "who are you?": messages that deserve a friendly word, not
a knowledge-base article.

A message is small talk only when all of it is: "你好" is, "你好，电信卡怎么查流量" is a
question with a greeting in front (`strip_small_talk` removes it so the question is answered).
"""

from __future__ import annotations

import re
from typing import Literal

from bot.knowledge.normalize import alternatives, normalize

SmallTalk = Literal["about_bot", "thanks", "praise", "bye", "greeting", "ack"]

def _split(text: str) -> tuple[str, ...]:
    """The phrases of a |-separated list, normalised as messages are (唔该 reads as 谢谢)."""
    return tuple(dict.fromkeys(normalize(phrase) for phrase in text.split("|") if phrase.strip()))


# Phrases by kind (normalised when read: lower case, Simplified, no punctuation). When a message
# mixes kinds ("ok thanks bye"), the first kind in this order answers it.
_PHRASES: dict[SmallTalk, tuple[str, ...]] = {
    "about_bot": _split(
        """你是谁 | 你是什么 | 你是干什么的 | 你是干嘛的 | 你能干什么 | 你能干嘛 |
        你能做什么 | 你会什么 | 你会干什么 | 你会干嘛 | 你有什么用 | 你有啥用 |
        你可以做什么 | 你是机器人吗 | 你是真人吗 | 你是人吗 | 你是ai吗 | 这是什么 |
        这个机器人是干嘛的 | 怎么用 | 怎么用你 | 有什么功能 | who are you | what are you |
        what can you do | what do you do | what can i do here | are you a bot |
        are you a robot | are you human | are you real | are you ai | how does this work |
        r u human | r u a bot | r u ai | are you human or ai | r u human or ai |
        are you a bot or human | human or bot | 你是真人还是机器人 | 你是人还是机器人 |
        你是机器人还是真人 | 机器人还是真人 | 真人还是机器人 | 你是机器人还是真人客服 |
        机器人还是真人客服 | 你是真人客服吗 | 你是人工客服吗 | 人工还是机器人 |
        how do i use this | how do i use you | what is this | what is this bot | sino ka |
        ano ka | who r u | who are u | 机器人吗 | 是机器人吗 | is this a bot | is this ai |
        is this a real person | is this a real human | is this a human | real human or ai |
        human or ai | ai or human | is this a real human or ai | 真人还是ai | 是真人还是ai"""
    ),
    "thanks": _split(
        """谢谢 | 谢谢你 | 谢谢啦 | 谢啦 | 谢了 | 多谢 | 感谢 | 非常感谢 | 十分感谢 |
        太感谢了 | 辛苦了 | 辛苦 | thx | thanks | thank you | thank u | thankyou | ty |
        tysm | thanks a lot | many thanks | much appreciated | appreciate it | cheers |
        salamat | salamat po | maraming salamat | 帮大忙了 | 帮了大忙 | 帮大忙 | 唔该 |
        唔该晒 | 多谢晒"""
    ),
    "praise": _split(
        """好聪明 | 真聪明 | 你真聪明 | 你好聪明 | 聪明 | 真棒 | 你真棒 | 好棒 | 好厉害 | 真厉害 |
        厉害 | 比客服强 | 比客服强多了 | 比人工客服强 | 比人工客服强多了 | 比人工强 |
        牛 | 牛逼 | 给力 | 好用 | 太好用了 | 好叻 | 好犀利 |
        smart bot | good bot | great bot | nice bot | best bot | so smart | very smart |
        smart for a bot | you re smart | you are smart | you re the best | you rock | galing |
        ang galing | 好人 | 你好好人 | 你人真好"""
    ),
    "bye": _split(
        """再见 | 拜拜 | 拜 | 88 | 886 | 回头见 | 下次见 | 晚安 | bye | bye bye | byebye |
        goodbye | good bye | see you | see ya | see you later | cya | good night | gnight |
        paalam | ingat"""
    ),
    "greeting": _split(
        """你好 | 您好 | 你好呀 | 你好啊 | 嗨 | 哈喽 | 哈啰 | 哈罗 | 嘿 | 喂 | 在吗 | 在不在 |
        在嘛 | 有人吗 | 有人在吗 | 早 | 早上好 | 早安 | 上午好 | 中午好 | 下午好 | 晚上好 |
        大家好 | hi | hii | hello | helo | hallo | hey | heya | hiya | yo | howdy | sup |
        whats up | wassup | good morning | good afternoon | good evening | morning |
        greetings | hello there | hi there | hey there | how are you | how r u | 你好吗 |
        最近好吗 | kumusta | kamusta | musta | hoy | uy | magandang umaga |
        magandang hapon | magandang gabi"""
    ),
    "ack": _split(
        """ok | okay | okk | okie | k | kk | 好 | 好的 | 好滴 | 好吧 | 好嘞 | 行 | 行吧 |
        可以 | 嗯 | 嗯嗯 | 恩 | 哦 | 哦哦 | 噢 | 收到 | 明白 | 明白了 | 知道了 | 懂了 |
        了解 | 了解了 | 没问题 | got it | gotcha | understood | i see | alright |
        all right | cool | nice | great | awesome | perfect | noted | sige | sige po | oo |
        opo"""
    ),
}
# Words that may surround small talk without changing it ("hi bot", "谢谢你啊", "thanks po").
_FILLERS = _split(
    """bot | robot | 机器人 | 小助手 | 助手 | po | lol | haha | 哈哈 | 呵呵 | 嘻嘻 | 啊 | 呀 |
    哈 | 哦 | 哇 | 啦 | 吧 | 呢 | 嘛 | 了 | 哟 | so much | very much | again | everyone |
    all | guys | you | u | 你 | 您 | 大家 | so | sir | maam | again | you re | you are |
    actually | really | pretty | 多了 | 真的 | 喔 | ur | na"""
)
_KIND_OF = {
    phrase: kind
    for kind in reversed(tuple(_PHRASES))  # earlier kinds win a phrase listed twice
    for phrase in _PHRASES[kind]
}


_TOKEN = re.compile(
    rf"\s*(?:(?P<phrase>{alternatives(_KIND_OF)})|(?:{alternatives(_FILLERS)}))\s*"
)
_ORDER: tuple[SmallTalk, ...] = tuple(_PHRASES)
# A greeting (with fillers) in front of the rest of a message.
_LEADING_GREETING = re.compile(
    rf"^(?:\s*(?:{alternatives(_PHRASES['greeting'])}|{alternatives(_FILLERS)})\s*)+"
)


# A letter typed three or more times in a row is one letter stretched: "heyyy", "byeee".
_STRETCHED = re.compile(r"([a-z])\1{2,}")


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk `text` is, or None when it says anything else."""
    normalized = _STRETCHED.sub(r"\1", normalize(text))
    position, kinds = 0, set()
    while position < len(normalized):
        token = _TOKEN.match(normalized, position)
        if token is None or token.end() == position:
            return None
        if token.group("phrase"):
            kinds.add(_KIND_OF[token.group("phrase")])
        position = token.end()
    return next((kind for kind in _ORDER if kind in kinds), None)


def strip_small_talk(text: str) -> str:
    """The message without a greeting in front ("hi, how do I top up?" -> "how do I top up?").
    Returns the normalised rest, or `text` unchanged when it does not start with a greeting."""
    normalized = normalize(text)
    found = _LEADING_GREETING.match(normalized)
    if found is None or not found.group(0).strip():
        return text
    rest = normalized[found.end() :].strip()
    return rest or text
