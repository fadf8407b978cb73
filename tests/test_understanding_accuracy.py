"""How well the bot understands free text, on every labelled set in tests/data/eval/
(scoring rules in tests/understanding_eval.py). Run with `-s` to see the figures and misses.

A question counts as right only when the bot answers with the labelled entry: "did you mean"
choices count as wrong, even with the right entry first, because the user still has to pick.
Each blind batch's score before tuning is written in its file's header and in the README;
these tests keep the whole set, tuned on or not, above the targets.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.normalize import normalize
from tests.understanding_eval import (
    EVAL_DIR,
    Score,
    load,
    outcome,
    score_intents,
    score_off_topic,
    score_questions,
)

REQUIRED_ACCURACY = 0.90
REQUIRED_PER_LANGUAGE = 0.85
REQUIRED_OFF_TOPIC = 0.95
REQUIRED_INTENTS = 0.90


def _items(key: str) -> list[dict]:
    return [item for path in sorted(EVAL_DIR.glob("*.yaml")) for item in load(path).get(key, [])]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _report(name: str, score: Score) -> str:
    summary = score.summary()
    per_language = ", ".join(
        f"{lang} {summary[lang]['accuracy']:.3f} (n={summary[lang]['n']})"
        for lang in sorted(score.total)
    )
    report = f"{name}: {summary['accuracy']:.3f} of {summary['n']}; {per_language}"
    print("\n" + report + "\nmisses:\n  " + "\n  ".join(score.misses))
    return report


def test_question_sets_cover_every_entry(kb: KnowledgeBase) -> None:
    questions = _items("questions")
    ids = {entry.id for entry in kb.entries}
    assert len(questions) >= 600
    assert all(item["lang"] in ("zh", "en") for item in questions)
    assert all(item["id"] in ids or item["id"] == "none" for item in questions)
    per_entry = Counter(item["id"] for item in questions)
    assert min(per_entry[entry_id] for entry_id in ids) >= 3, per_entry.most_common()[-5:]
    languages = Counter(item["lang"] for item in questions)
    assert languages["zh"] >= len(questions) / 2 - 5
    texts = [text for item in questions if (text := normalize(str(item["q"])))]
    assert len(set(texts)) == len(texts), "a question is listed twice"


def test_questions_are_not_copied_from_the_entries(kb: KnowledgeBase) -> None:
    phrasings = {
        normalize(text)
        for entry in kb.entries
        for text in (*entry.questions.all(), *entry.keywords.all(), *entry.titles.get_all())
    }
    copied = [item["q"] for item in _items("questions") if normalize(str(item["q"])) in phrasings]
    assert copied == []


def test_questions_are_answered_with_the_right_entry(kb: KnowledgeBase) -> None:
    score = score_questions(kb, _items("questions"))
    report = _report("top-1 accuracy", score)
    assert score.accuracy() >= REQUIRED_ACCURACY, report
    for lang in ("zh", "en"):
        assert score.accuracy(lang) >= REQUIRED_PER_LANGUAGE, report


def test_off_topic_text_gets_a_fallback_or_a_friendly_word(kb: KnowledgeBase) -> None:
    items = _items("inputs")
    assert len(items) >= 80
    score = score_off_topic(kb, items)
    report = _report("off-topic handled", score)
    assert score.accuracy() >= REQUIRED_OFF_TOPIC, report
    # Never an article for a bare number or a greeting.
    strict = [
        item for item in items
        if item["expect"] == "greeting" or normalize(str(item["q"])).replace(" ", "").isdigit()
    ]
    assert score_off_topic(kb, strict).misses == []


def test_requests_about_my_cards_are_recognised(kb: KnowledgeBase) -> None:
    score = score_intents(kb, _items("messages"))
    report = _report("requests recognised", score)
    assert score.accuracy() >= REQUIRED_INTENTS, report


def test_questions_are_never_taken_for_requests(kb: KnowledgeBase) -> None:
    """A knowledge-base question must not start a conversation about the user's cards."""
    taken = [
        (item["q"], got)
        for item in _items("questions")
        if (got := outcome(kb, str(item["q"]))).startswith("intent:")
        and item["id"] != "bot_reminders"
    ]
    assert taken == []



@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert('remind')>",
        "'; DROP TABLE cards; --",
        "1' OR '1'='1",
        "{{7*7}}",
        "${7*7}",
    ],
)
def test_pasted_code_is_never_answered_with_an_article(kb: KnowledgeBase, text: str) -> None:
    assert outcome(kb, text).startswith(("none:", "small_talk:"))


@pytest.mark.parametrize(
    "text", ["how do i delete the esim from my phone", "select a plan for my globe sim"]
)
def test_words_that_also_occur_in_code_still_get_answers(kb: KnowledgeBase, text: str) -> None:
    assert not outcome(kb, text).startswith("none:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.xiaohongshu.com/explore/64a1b2c3d4e5f6", "none:off_topic"),
        ("你好聪明啊，比客服强多了", "small_talk:praise"),
        ("you're actually pretty smart for a bot", "small_talk:praise"),
        ("你是机器人还是真人？", "small_talk:about_bot"),
        ("histroy 麻烦", "none:command:history"),
        ("renewed", "none:command:renewed"),
        ("renewed my globe sim", "intent:renewed_card"),
        ("smart prepaid load", "guide_smart_tnt"),
        ("这个链接是10086发的吗 http://10086-jifen.cc/a", "scam_fake_sender"),
        # How to renew, one carrier named: its guide, not the region's overview.
        ("how do i recharge my csl prepaid sim in hong kong", "guide_csl"),
        ("how to load globe prepaid? expiring na", "guide_globe_tm"),
        ("got a chunghwa telecom prepaid sim in taipei, how do i top it up", "guide_tw_prepaid"),
        ("can i just walk into a carrier store and renew my sim in person?",
         "channel_business_hall"),  # the carrier's store, not "store my sim"
        ("heyyy", "small_talk:greeting"),  # a stretched word is that word
        ("唔該晒", "small_talk:thanks"),  # listed phrases are read as messages are (Cantonese)
        # A way to pay the asker does not have is not what they ask about: the other ways.
        ("没有支付宝 还能咋充", "how_to_renew"),
        ("i don't have gcash, how to load", "how_to_renew"),
        ("支付宝充不了话费", "channel_third_party"),
        # Two carriers named, renewing asked: each one's guide.
        ("移动联通", "choices: guide_china_mobile, guide_china_unicom"),
        ("移动和联通都有 怎么续", "choices: guide_china_mobile, guide_china_unicom"),
        ("my globe and smart both expiring how to renew",
         "choices: guide_globe_tm, guide_smart_tnt"),
        # 信号 and 停机 have other senses beside another subject; on their own, or in the
        # phrases that are always about phones, they are the bot's.
        ("他这是在给我什么信号啊", "none:off_topic"),
        ("工厂机器停机检修要多久", "none:off_topic"),
        ("换了新手机没信号", "no_service_after_renew"),
        ("停机了怎么办", "cn_arrears_suspension"),
        # A carrier by a nickname the answers never use is read as its name.
        ("沃的卡怎么交费啊 就是那个沃4G", "guide_china_unicom"),
        ("天翼的卡咋续", "guide_china_telecom"),
        ("神州行的卡怎么交钱", "guide_china_mobile"),
        ("大王卡怎么充钱", "guide_china_unicom"),
        ("联同的卡怎么充钱", "guide_china_unicom"),
        ("my number starts 0998, how do i load it", "guide_smart_tnt"),
        ("营业厅太远了不想跑 手机上装个啥能交话费", "channel_app"),  # a place one will not go to
        # The phone as a device is off topic, unless a renewal is asked beside it.
        ("手机内存满了怎么办", "none:off_topic"),
        ("手机屏幕碎了去哪修便宜", "none:off_topic"),
        ("phone screen is cracked, can i renew from a browser instead", "channel_website"),
        ("what ways are there to pay besides the app? the app keeps crashing", "how_to_renew"),
    ],
)
def test_single_texts_are_read_as_meant(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert outcome(kb, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind me to take my meds at 8pm", "none:off_topic"),
        ("提醒我明天开会", "none:off_topic"),
        ("提醒我交房租", "none:off_topic"),
        ("remind me on dec 31", "intent:remind_me"),  # a date alone: about the card at hand
        ("提醒我下个月5号充话费", "intent:remind_me"),
        ("remind me to top up", "intent:remind_me"),
        ("到时候叫我续费", "intent:remind_me"),
        ("收到短信说我话费要过期 叫我点网址续费", "scam_fake_sender"),  # the text's words
        ("how to delete my facebook account", "none:off_topic"),  # not /forget: not the bot's
        ("add my gym membership card", "none:off_topic"),
        ("delete my data", "intent:forget_data"),
        ("帮我加一张健身卡", "none:off_topic"),
        ("帮我加一张卡", "intent:add_card"),
        ("月租是每月几号扣的 想提前把钱存进去", "cn_monthly_fee_timing"),  # money, not a card
    ],
)
def test_requests_about_other_things_are_not_requests(
    kb: KnowledgeBase, text: str, expected: str
) -> None:
    assert outcome(kb, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电信卡的余额在哪里看", "check_balance"),
        ("我的移动卡还有多少余额", "check_balance"),
        ("查询流量卡余额", "check_balance"),
        ("联通卡欠费停机怎么恢复", "cn_arrears_suspension"),
        ("电信卡的余额为什么月初少了", "cn_monthly_fee_timing"),
        ("移动卡怎么充话费", "guide_china_mobile"),
    ],
)
def test_the_commonest_mainland_questions_get_their_entry(
    kb: KnowledgeBase, text: str, expected: str
) -> None:
    """A carrier's card named with a balance question ("电信卡余额怎么查") went to the monthly
    fee entry: these are asked more than anything else."""
    assert outcome(kb, text) == expected
