"""Text normalisation shared by the knowledge base, the matcher and carrier lookup.

`normalize` turns whatever a user typed into a canonical form: full-width characters folded
(NFKC), lower case, traditional Chinese converted to simplified (zhconv), common input-method
slips and colloquial words replaced, emoji and punctuation dropped. What is left is runs of
Chinese characters and runs of ASCII letters/digits separated by single spaces.

`english_words` and `chinese_terms` split normalised text into matching features: English
words (stop words dropped, lightly stemmed) and, for Chinese, character bigrams plus single
characters (the matcher weights single characters down). Chinese has no spaces, so character
n-grams stand in for words; they also survive a mistyped character, because the other n-grams
still match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from bot.knowledge.script import convert

# Inputs can be 4096 characters long (Telegram's limit); questions are short. Looking at the
# start keeps matching fast and bounded whatever arrives.
MAX_INPUT_CHARS = 300

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_RUN = re.compile(f"[a-z0-9]+|[{_CJK}]+")
CJK_RUN = re.compile(f"[{_CJK}]+")

# Input-method slips (homophones typed by pinyin IMEs), variant characters and colloquial
# words, mapped to the form the knowledge base uses. Applied to simplified text.
_ZH_REPLACEMENTS = {
    "冲值": "充值",
    "冲了": "充了",
    "冲点": "充点",
    "冲个": "充个",
    "移东": "移动",
    "电心": "电信",
    "联痛": "联通",
    "联桶": "联通",
    "联同": "联通",
    "流亮": "流量",
    "流两": "流量",
    "冲话费": "充话费",
    "冲流量": "充流量",
    "冲钱": "充钱",
    "冲到": "充到",
    "冲卡": "充卡",
    "冲错": "充错",
    "怎么冲": "怎么充",
    "咋冲": "怎么充",
    "如何冲": "怎么充",
    "哪冲": "哪充",
    "流浪卡": "流量卡",
    # 流浪 (a stray, as in 流浪猫) typed for 流量, where only data fits.
    "流浪还": "流量还",
    "流浪用": "流量用",
    "流浪没": "流量没",
    "流浪包": "流量包",
    "查流浪": "查流量",
    "剩余流浪": "剩余流量",
    "续废": "续费",
    "话废": "话费",
    "余颜": "余额",
    "到帐": "到账",
    "帐号": "账号",
    "帐户": "账户",
    "交话费": "充话费",
    "缴话费": "充话费",
    "缴费": "充值",
    "交费": "充值",
    "续期": "续费",
    "删掉": "删除",
    "删处": "删除",
    "题型我": "提醒我",
    "题醒": "提醒",
    "添架": "添加",
    "删了": "删除了",
    "卡停了": "卡停机了",
    "号停了": "号停机了",
    "被停了": "被停机了",
    "咋": "怎么",
    # A carrier's card is the carrier and a card. As one word, its rare bigram (通卡) made
    # "联通卡余额怎么查" the arrears entry's, which has "联通卡欠费了".
    "移动卡": "移动 卡",
    "联通卡": "联通 卡",
    "电信卡": "电信 卡",
    "广电卡": "广电 卡",
    "怎样": "怎么",
    "如何": "怎么",
    "啥": "什么",
    "木有": "没有",
    # Cantonese (Hong Kong) words, in their Simplified form after conversion.
    "唔该": "谢谢",
    "简讯": "短信",
    "短讯": "短信",
    "连结": "链接",
    "交的钱": "交钱",
    "充的钱": "充钱",
    "睇下": "看看",
    "睇": "看",
    "用晒": "用完",
    "冇晒": "没有了",
    "晒": "完",
    "几耐": "多久",
    "点算": "怎么办",
    "点知": "怎么知道",
    "揿": "点",
    "㩒": "点",
    "喺度": "在这",
    "喺": "在",
    "佢": "他",
    "唔识": "不会",
    "而家": "现在",
    "乜嘢": "什么",
    "咁样": "这样",
    "咁": "这么",
    "边间": "哪间",
    "听日": "明天",
    "琴日": "昨天",
    "提下我": "提醒我",
    "提我": "提醒我",
    "㗎": "",
    "啲": "的",
    "多谢晒": "多谢",
    "点样": "怎么",
    "几时": "什么时候",
    "几多": "多少",
    "仲有": "还有",
    "边度": "哪里",
    "边个": "哪个",
    "边几": "哪几",
    "边张": "哪张",
    "啱啱": "刚刚",
    "系咪": "是不是",
    "咩": "什么",
    "嘅": "的",
    "咗": "了",
    "唔": "不",
    "冇": "没有",
    "俾": "给",
    "畀": "给",
    "没得": "没有",
    "莫得": "没有",
}
_ZH_PATTERN = re.compile("|".join(sorted(map(re.escape, _ZH_REPLACEMENTS), key=len, reverse=True)))
# Pinyin initials Chinese users type for common words ("vx里怎么充"), read as words only in a
# text that has Chinese in it.
_ZH_INITIALS = {
    "vx": "微信", "wx": "微信", "zfb": "支付宝", "yyt": "营业厅",
    # The carriers too: as aliases they were found, but weighed like unknown words.
    "yd": "移动", "lt": "联通", "dx": "电信",
}
_ZH_INITIALS_PATTERN = re.compile(r"(?<![a-z0-9])(?:" + "|".join(_ZH_INITIALS) + r")(?![a-z0-9])")

# Multi-word English spellings of one word, so "top up", "top-up" and "topup" agree.
_EN_PHRASES = {
    "top up": "topup",
    "topped up": "topup",
    "topping up": "topup",
    "tops up": "topup",
    "top ups": "topup",
    "loaded up": "topup",
    "e load": "eload",
    "e sim": "esim",
    "sari sari": "sarisari",
    "pasa load": "pasaload",
    "add on": "addon",
    "auto renew": "autorenew",
    "auto renewal": "autorenew",
    "we chat": "wechat",
    "ali pay": "alipay",
    "g cash": "gcash",
    "pay maya": "maya",
    "paymaya": "maya",
}
_EN_PATTERN = re.compile(
    r"(?<![a-z0-9])(?:"
    + "|".join(sorted(map(re.escape, _EN_PHRASES), key=len, reverse=True))
    + r")(?![a-z0-9])"
)

# Single English words with the same meaning here.
_EN_SYNONYMS = {
    # Tagalog forms of load and Pasaload ("magpasaload kay mama", "malo-loadan"): typo
    # correction took them for other words ("magpaload", buying load).
    "magpasaload": "pasaload",
    "nagpasaload": "pasaload",
    "pasaloadan": "pasaload",
    "loadan": "load",
    "maloloadan": "load",
    "iload": "load",
    "recharge": "topup",
    "recharging": "topup",
    "recharged": "topup",
    "recharges": "topup",
    "refill": "topup",
    "renewal": "renew",
    "renewals": "renew",
    "expiry": "expire",
    "expiration": "expire",
    "esims": "esim",
    "simcard": "sim",
    "telco": "carrier",
    "operator": "carrier",
    "provider": "carrier",
    "network": "carrier",
    "pls": "please",
    "plz": "please",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EN_STOPWORDS = _words(
    """a an the i im me my mine you your yours we our us they them their it its is are was were
    be been being am do does did doing done have has had to of for in on at by with from into
    and or but if so as can could should would will shall may might must how what when where
    which who whom why this that these those there here about any some just get got please
    hi hello hey u ur thanks thank need want know tell help also then than very really ok okay
    one still yet anyone someone something thing things way ways guys bot"""
) | _words(
    # Tagalog particles and pronouns, typed in Taglish: only the Philippine entries' phrasings
    # had them, so "mag-eexpire na daw yung sim ko" was pulled to whichever had most. ("pag"
    # is left out: it is also the stem of "page".)
    """na ng nang ko mo ka ako ikaw siya sya niya nya kami tayo sila namin natin nila yung ung
    ang si sa ni kay ba pa po daw raw naman lang nga din rin kasi kung mga ito yan iyan
    yun iyon dito doon dun eh diba talaga kaya sana muna mag nag siyang nasa"""
)

# Chinese particles and pronouns: they never carry the topic, and bigrams straddling them
# ("了没", "机吗") are noise, so runs are split at them (and at filler words) before n-grams
# are taken. Characters that also occur inside content words (有 in 有效期, 对 in 核对) must
# not be listed here.
ZH_BREAK_CHARS = frozenset("的了吗呢啊吧呀嘛哦哈哇啦呗么我你他她它是在把也都就很会能想要怎什")
# Filler words, dropped like the particles above.
ZH_STOP_WORDS = _words(
    """为什 可以 一下 请问 这个 那个 可不 要不 有没 没有 一个 现在 如果 还是 时候 回事 知道
    应该 需要 告诉 问一 问下 有什 哪里 哪儿 去哪 哪个 哪些 哪家 哪种 一些 有些 因为 所以
    然后 已经 一直 总是 老是 比较 非常 真的 到底 麻烦 谢谢 你好 您好 大家 就是 想问 说说 跟我 平时
    搞什 凭什 奇怪 来着 那些 这些 这边 那边 一样 不得 到不 一点 一般 之前 以前 上次 这次"""
)
_ZH_BREAK = re.compile(
    "|".join(sorted(ZH_STOP_WORDS)) + "|[" + "".join(sorted(ZH_BREAK_CHARS)) + "]+"
)
# Single characters that carry no topic.
ZH_STOP_CHARS = frozenset("们有这那个和与及或还可让给对")

UNIGRAM_PREFIX = "1:"


# Pasted HTML tags and entities ("<b>", "&amp;") are formatting, not words.
_MARKUP = re.compile(r"</?[a-z][a-z0-9]{0,15}\b[^<>]{0,40}>?|&#?[a-z0-9]{1,8};")
# "didn't" arrives as "didn t" once punctuation is gone: join it back ("didnt").
_CONTRACTION = re.compile(r"(?<=[a-z])n t(?![a-z0-9])")
# "10gb" is an amount of data: the unit is the word that says so ("5g" is a network).
_DATA_AMOUNT = re.compile(r"(?<=[0-9])(?=(?:gb|mb|tb|kb)(?![a-z0-9]))")


def normalize(text: str) -> str:
    """Canonical form of user text: folded, lower-case, simplified Chinese, no punctuation."""
    return _normalize(text[:MAX_INPUT_CHARS])


@lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    text = _MARKUP.sub(" ", unicodedata.normalize("NFKC", text).lower())
    if _HAS_CJK.search(text):
        text = convert(text, "zh-hans")
        text = _ZH_PATTERN.sub(lambda m: _ZH_REPLACEMENTS[m.group(0)], text)
        text = _ZH_INITIALS_PATTERN.sub(lambda m: _ZH_INITIALS[m.group(0)], text)
    text = _CONTRACTION.sub("nt", " ".join(_RUN.findall(text)))
    text = _DATA_AMOUNT.sub(" ", text)
    return _EN_PATTERN.sub(lambda m: _EN_PHRASES[m.group(0)], text)


def stem(word: str) -> str:
    """A light English stemmer: enough to make renew/renews/renewed/renewing agree."""
    word = _EN_SYNONYMS.get(word, word)
    if not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "e"):
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            continue
        base = word[: -len(suffix)]
        if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2]:
            base = base[:-1]
        return base
    return word


def english_words(text: str) -> list[str]:
    """Stemmed content words of normalised text (ASCII runs only)."""
    words = []
    for run in text.split():
        if _HAS_CJK.match(run) or run in EN_STOPWORDS:
            continue
        if len(run) == 1 and not run.isdigit():
            continue
        word = stem(run)
        if word not in EN_STOPWORDS:
            words.append(word)
    return words


def chinese_terms(text: str, words: re.Pattern[str]) -> list[str]:
    """Character bigrams and (prefixed) single characters of the Chinese runs.

    `words` finds known words (the knowledge base's keywords, concepts, carrier names): a
    bigram straddling the edge of a known word (费号 in 续费号码, next to 续费) is left out,
    and known words longer than two characters are features of their own.
    """
    terms: list[str] = []
    for run in (piece for block in CJK_RUN.findall(text) for piece in _ZH_BREAK.split(block)):
        edges: set[int] = set()
        for found in words.finditer(run):
            edges.update((found.start(), found.end()))
            if found.end() - found.start() > 2:
                terms.append(found.group(0))
        terms.extend(run[i : i + 2] for i in range(len(run) - 1) if i + 1 not in edges)
        terms.extend(UNIGRAM_PREFIX + char for char in run if char not in ZH_STOP_CHARS)
    return terms


def alternatives(words: Iterable[str]) -> str:
    """A regex source matching any of the (normalised) words; where several fit at one place,
    the longest ("globe telecom" wins over "telecom"). Latin words must stand whole ("tm" is
    not found in "atm", "hi" not in "his"); Chinese has no word boundaries to check.

    Built as a trie ("sim|simcard" -> "sim(?:card|)"): Python's regex engine tries a plain
    alternation word by word at every position, which made the off-topic lists the slowest
    part of reading a question."""
    trie: _Trie = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_source(trie, "") or "(?!)"


_Trie = dict[str, "_Trie"]
_LATIN_EDGE = "[a-z0-9]"


def _trie_source(node: _Trie, last: str) -> str:
    """The regex for the words below `node`, reached through the character `last` ("" at the
    root); longer words first, so the engine prefers them."""
    branches = []
    for char in sorted(char for char in node if char):
        source = re.escape(char) + _trie_source(node[char], char)
        if not last and char.isascii():  # a Latin word starts here: not inside another word
            source = f"(?<!{_LATIN_EDGE}){source}"
        branches.append(source)
    if "" in node:  # a word ends here
        branches.append(f"(?!{_LATIN_EDGE})" if last.isascii() else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def has_cjk(text: str) -> bool:
    return _HAS_CJK.search(text) is not None
