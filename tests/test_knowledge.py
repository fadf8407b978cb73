"""Unit tests for bot.knowledge: data validation, carriers, matching rules, rendering."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.knowledge import (
    CARRIERS,
    CustomEntry,
    Entry,
    KnowledgeBase,
    KnowledgeDataError,
    carrier_by_code,
    find_carrier,
    render,
    render_answer,
    render_custom,
)
from bot.knowledge.carriers import DATA_DIR, carriers_by_prefix
from bot.knowledge.entries import CONFIDENCE_LEVELS, LANGS, TOPICS, html_problem
from bot.knowledge.normalize import normalize

TOPICS_IN_MENU_ORDER = (
    "channels", "carriers", "mainland", "hk_tw", "philippines", "esim", "general", "tips", "scams"
)

FIXED_CARRIER_CODES = {
    "china_mobile",
    "china_unicom",
    "china_telecom",
    "china_broadnet",
    "smart",
    "tnt",
    "globe",
    "tm",
    "csl",
    "three_hk",
    "airalo",
    "holafly",
    "nomad",
}
# The topic list (one topic, one entry) that blind evaluation batches are written from.
TOPICS_FILE = Path(__file__).parent / "data" / "eval" / "topics.yaml"
REQUIRED_ENTRIES = {
    topic["id"] for topic in yaml.safe_load(TOPICS_FILE.read_text("utf-8"))["topics"]
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


# --- loading and data ----------------------------------------------------------------------


def test_load_is_cached(kb: KnowledgeBase) -> None:
    assert KnowledgeBase.load() is kb


def test_entry_count_and_required_entries(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 80
    ids = [entry.id for entry in kb.entries]
    assert len(ids) == len(set(ids))
    assert set(ids) == REQUIRED_ENTRIES  # every topic answered, nothing unlisted


@pytest.mark.parametrize("entry_id", sorted(REQUIRED_ENTRIES))
def test_get(kb: KnowledgeBase, entry_id: str) -> None:
    entry = kb.get(entry_id)
    assert entry is not None and entry.id == entry_id


def test_get_unknown(kb: KnowledgeBase) -> None:
    assert kb.get("no_such_entry") is None


def test_every_entry_is_complete(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        assert entry.topic in TOPICS, entry.id
        assert entry.confidence in CONFIDENCE_LEVELS, entry.id
        assert entry.sources, entry.id
        for source in entry.sources:
            assert source.zh.strip() and source.en.strip(), entry.id
        assert date(2026, 11, 1) <= entry.last_checked <= date.today(), entry.id
        assert entry.regions, entry.id
        for lang in LANGS:
            assert entry.title(lang).strip(), (entry.id, lang)
            assert len(entry.title(lang)) <= 40, (entry.id, lang)
            assert entry.questions.get(lang), (entry.id, lang)
            assert entry.answer(lang).strip(), (entry.id, lang)


def test_answers_are_telegram_html_and_concise(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        for lang in LANGS:
            assert html_problem(entry.answer(lang)) is None, (entry.id, lang)
        # Chinese carries the same content in fewer characters.
        assert 150 <= len(entry.answer("en")) <= 1200, entry.id
        assert 80 <= len(entry.answer("zh")) <= 1200, entry.id


def test_exactly_one_generic_renewal_entry(kb: KnowledgeBase) -> None:
    assert [entry.id for entry in kb.entries if entry.generic_renewal] == ["how_to_renew"]


def test_by_topic(kb: KnowledgeBase) -> None:
    assert {entry.id for entry in kb.by_topic("channels")} >= {
        "channel_app",
        "channel_website",
        "channel_third_party",
        "channel_business_hall",
        "channel_partner_store",
    }
    assert all(entry.topic == "scams" for entry in kb.by_topic("scams"))
    assert sum(len(kb.by_topic(topic)) for topic in TOPICS) == len(kb.entries)
    with pytest.raises(ValueError):
        kb.by_topic("weather")


def test_menu_sections(kb: KnowledgeBase) -> None:
    sections = kb.menu_sections()
    # The fixed order, mainland first, without the sections that hold no entries.
    order = [key for key in TOPICS_IN_MENU_ORDER if kb.by_topic(key)]
    assert [section.key for section in sections] == order
    listed = [entry.id for section in sections for entry in section.entries]
    assert sorted(listed) == sorted(entry.id for entry in kb.entries)
    for section in sections:
        assert section.entries
        assert section.title("zh") and section.title("en")
    assert kb.menu_sections() == sections  # stable
    carriers_section = next(section for section in sections if section.key == "carriers")
    assert carriers_section.entries[0].id == "guide_china_mobile"


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    confidence: H\n", "    confidence: X\n", "confidence"),
        ("      - {zh: Airalo 帮助中心（有效期、充值、自动续费、回收）, en: \"Airalo help centre "
         "(validity, top-ups, auto-renew, recycling)\"}\n", "", "sources"),
        ("<b>TOP UP</b>, pick", "<a>TOP UP</a>, pick", "unsupported tag"),
        ("Open the eSIM in the Airalo app", "Open the eSIM & more", "unescaped '&'"),
        ("    carriers: [airalo]\n", "    carriers: [vodafone]\n", "unknown carrier"),
        ("    last_checked: 2026-11-29\n", "    last_checked: someday\n", "last_checked"),
    ],
)
def test_malformed_entry_fails_loudly_naming_it(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    data = _copy_data(tmp_path)
    guides = data / "esim_general.yaml"
    text = guides.read_text("utf-8")
    # Change the Airalo guide only: the error must name it.
    start = text.index("  - id: guide_airalo")
    end = text.index("  - id: guide_nomad")
    assert old in text[start:end]
    guides.write_text(text[:start] + text[start:end].replace(old, new, 1) + text[end:], "utf-8")
    with pytest.raises(KnowledgeDataError) as error:
        KnowledgeBase.load(data)
    assert "guide_airalo" in str(error.value)
    assert message in str(error.value)


def test_missing_language_fails_loudly(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    tips = data / "esim_general.yaml"
    text = tips.read_text("utf-8")
    assert '    title: {zh: 保留付款凭证, en: "Keep your receipt"}' in text
    text = text.replace(
        '    title: {zh: 保留付款凭证, en: "Keep your receipt"}', "    title: {zh: 保留付款凭证}"
    )
    tips.write_text(text, "utf-8")
    with pytest.raises(KnowledgeDataError, match=r"tip_keep_receipt.*title"):
        KnowledgeBase.load(data)


def test_duplicate_id_fails_loudly(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    tips = data / "esim_general.yaml"
    tips.write_text(
        tips.read_text("utf-8").replace("id: tip_keep_receipt", "id: tip_renew_early"), "utf-8"
    )
    with pytest.raises(KnowledgeDataError, match="tip_renew_early"):
        KnowledgeBase.load(data)


def test_invalid_yaml_fails_loudly(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    (data / "hk_tw_ph.yaml").write_text("entries: [\n", "utf-8")
    with pytest.raises(KnowledgeDataError, match=r"hk_tw_ph\.yaml"):
        KnowledgeBase.load(data)


def test_malformed_concepts_fail_loudly(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    (data / "concepts.yaml").write_text("concepts:\n  renew: [续费, 100]\n", "utf-8")
    with pytest.raises(KnowledgeDataError, match="renew"):
        KnowledgeBase.load(data)
    (data / "concepts.yaml").write_text(
        "concepts:\n  renew: [续费]\nquestion_forms: [look_up]\n", "utf-8"
    )
    with pytest.raises(KnowledgeDataError, match="question_forms"):
        KnowledgeBase.load(data)


# --- carriers ------------------------------------------------------------------------------


def test_fixed_carrier_codes() -> None:
    assert {carrier.code for carrier in CARRIERS} == FIXED_CARRIER_CODES


def test_every_carrier_has_a_guide(kb: KnowledgeBase) -> None:
    for carrier in CARRIERS:
        guide = kb.guide_for_carrier(carrier.code)
        assert guide is not None, carrier.code
        assert guide.topic == "carriers"
        assert guide.id == carrier.guide_entry_id
        assert carrier.code in guide.carriers


def test_guide_for_unknown_carrier(kb: KnowledgeBase) -> None:
    assert kb.guide_for_carrier("vodafone") is None


def test_carrier_by_code_and_names() -> None:
    china_mobile = carrier_by_code("china_mobile")
    assert china_mobile is not None
    assert china_mobile.name("zh") == "中国移动"
    assert china_mobile.name("en") == "China Mobile"
    assert china_mobile.name("zh-hant") == "中国移动"
    assert carrier_by_code("nope") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("china mobil", "china_mobile"),
        ("China Mobile", "china_mobile"),
        ("移動", "china_mobile"),
        ("中國移動", "china_mobile"),
        ("CMCC", "china_mobile"),
        ("我用的是移动卡", "china_mobile"),
        ("聯通", "china_unicom"),
        ("unicon", "china_unicom"),
        ("中国电信", "china_telecom"),
        ("telcom", "china_telecom"),
        ("smart prepaid", "smart"),
        ("SMART", "smart"),
        ("Talk N Text", "tnt"),
        ("globe", "globe"),
        ("Globe Telecom", "globe"),
        ("TM", "tm"),
        ("CSL儲值卡", "csl"),
        ("3HK", "three_hk"),
        ("和記", "three_hk"),
        ("holafy", "holafly"),
        ("airalo", "airalo"),
        ("Nomad eSIM", "nomad"),
        ("ＣＭＣＣ", "china_mobile"),
    ],
)
def test_find_carrier(text: str, code: str) -> None:
    carrier = find_carrier(text)
    assert carrier is not None and carrier.code == code


@pytest.mark.parametrize(
    "text",
    ["", "hello", "sim", "prepaid", "mobile", "atm", "smartphone", "电信诈骗", "今天天气不错"],
)
def test_find_carrier_none(text: str) -> None:
    assert find_carrier(text) is None


# --- matching ------------------------------------------------------------------------------


def _answer_id(
    kb: KnowledgeBase,
    text: str,
    lang: str = "zh",
    custom: Sequence[CustomEntry] = (),
    user_carriers: Sequence[str] = (),
) -> str:
    match = kb.match(text, custom=custom, user_carriers=user_carriers)
    assert match.kind == "answer", (text, match)
    assert isinstance(match.entry, Entry)
    return match.entry.id


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("我的卡怎么续费", "how_to_renew"),
        ("how do I renew my card", "how_to_renew"),
        ("怎麼查餘額", "check_balance"),
        ("中国电信怎么续费", "guide_china_telecom"),
        ("how to top up china telecom", "guide_china_telecom"),
        ("慢充靠谱吗", "scam_slow_topup"),
        ("ＧＣＡＳＨ load failed, refund?", "gcash_load_refund"),
        ("电信卡咋查剩余流量", "check_data_left"),
        ("自动续费咋关啊 老扣我钱", "auto_renew_off"),
        ("话费是负数了怎么办", "cn_arrears_suspension"),
        ("I need a fapiao for my phone bill", "invoice_fapiao"),
        ("airolo top up", "guide_airalo"),
        ("卡过期了会怎样？😭😭", "card_expired"),
        ("联通卡余额咋查啊", "check_balance"),
        ("自动续费怎么关", "auto_renew_off"),  # was "did you mean" with turning it on
        ("话费咋变负的了", "cn_arrears_suspension"),
        ("充值", "how_to_renew"),  # a bare word once got the top-up history article
        ("top up", "how_to_renew"),
        ("smart sim reload options", "guide_smart_tnt"),
        # Short questions asking how to check: the subject decides, not the asking.
        ("流量怎么查", "check_data_left"),
        ("话费怎么查", "check_balance"),
        ("vx里怎么冲话费", "channel_third_party"),  # pinyin initials: vx is 微信
        ("yyt几点关门 能去续费吗", "channel_business_hall"),  # yyt is 营业厅
        ("这个月流浪还剩多少", "check_data_left"),  # 流浪 typed for 流量
        ("got 10gb left, does it roll over?", "data_rollover"),
        ("when do they take the monthly fee", "cn_monthly_fee_timing"),
        # A carrier's name alone asks about that carrier (移动 alone weighed too little).
        ("移动", "guide_china_mobile"),
        ("移东卡", "guide_china_mobile"),
        ("我的移动卡", "guide_china_mobile"),
        ("globe sim", "guide_globe_tm"),
    ],
)
def test_match_answers(kb: KnowledgeBase, text: str, entry_id: str) -> None:
    assert _answer_id(kb, text) == entry_id


@pytest.mark.parametrize(
    "text", ["asdfgh", "今天天气不错", "🙂🙂", "", "   ", "???", "你好", "lol", "what time is it"]
)
def test_nonsense_gives_none(kb: KnowledgeBase, text: str) -> None:
    match = kb.match(text)
    assert match.kind == "none"
    assert match.entry is None and match.candidates == ()


@pytest.mark.parametrize(
    "text",
    [
        "失眠睡不着有什么办法",  # 办法 is a renewal channel's word too
        "香港有什么好吃的",
        "any tips for a 3 day trip to cebu",
        "is it safe to walk there at night",
        "app",
        "微信",
        # The bot's words meaning other things: views on a platform, a parcel's carrier.
        "小红书流量突然变差了是被限流了吗",
        "tracking says carrier picked up my parcel",
        "am i a carrier for covid",
        "my gym monthly fee went up",
        "直播间突然没流量了 是不是被限流了",  # a stream's views
        "Samsung Galaxy S24 Ultra 256gb",
        # Words other things share, beside another subject: a spreadsheet, a crush.
        "excel里怎么把两列数据合并成一列",
        "he stopped texting me back, is that a signal he's not interested",
    ],
)
def test_text_naming_neither_subject_nor_business_is_off_topic(
    kb: KnowledgeBase, text: str
) -> None:
    match = kb.match(text)
    assert (match.kind, match.reason) == ("none", "off_topic")


@pytest.mark.parametrize(
    "text",
    [
        "刷抖音太费流量了怎么办",
        "抖音上买的大流量卡 月租怎么交",
        "my iphone 16 has no signal after topping up",
        "new phone no data after renewing my globe",
        "换了新手机数据用不了",
    ],
)
def test_data_used_on_a_platform_or_a_phone_stays_on_topic(kb: KnowledgeBase, text: str) -> None:
    """Next to a platform, 流量 is views ("没流量" on a stream), but data being used up, or a
    data card, is still the bot's; beside a phone, "data" and "signal" are the bot's when a
    carrier or a top-up is named too."""
    assert kb.match(text).reason != "off_topic"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("just loaded, how long before it reflects", "topup_arrival_time"),
        ("交完费一般几分钟到", "topup_arrival_time"),
        ("how to turn off auto renewal", "auto_renew_off"),
        ("付款截图有必要留着吗", "tip_keep_receipt"),
    ],
)
def test_questions_about_the_business_need_no_subject(
    kb: KnowledgeBase, text: str, entry_id: str
) -> None:
    assert _answer_id(kb, text) == entry_id


def test_listed_words_are_not_corrected_into_other_words(kb: KnowledgeBase) -> None:
    # "overheats" is one edit from "overseas", which would make it a roaming question.
    match = kb.match("my phone overheats when charging")
    assert (match.kind, match.reason) == ("none", "off_topic")


def test_business_concepts_must_exist(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    domain = data / "domain.yaml"
    text = domain.read_text("utf-8")
    domain.write_text(text.replace("business_concepts: [renew,", "business_concepts: [renw,"))
    with pytest.raises(KnowledgeDataError, match="renw"):
        KnowledgeBase.load(data)


@pytest.mark.parametrize("text", ["实名登记", "自动续费", "auto renew"])
def test_vague_question_gives_choices(kb: KnowledgeBase, text: str) -> None:
    match = kb.match(text)
    assert match.kind == "choices"
    assert match.entry is None
    assert 2 <= len(match.candidates) <= 3
    assert len({candidate.id for candidate in match.candidates}) == len(match.candidates)


def test_vague_registration_offers_both_regions(kb: KnowledgeBase) -> None:
    ids = {candidate.id for candidate in kb.match("实名登记").candidates}
    assert ids == {"sim_registration_ph", "sim_registration_hk"}


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "续费" * 2048,
        "🙂" * 4096,
        "<b>" * 1365,
        "<script>alert(1)</script> 怎么续费",
        "</b><i>&amp;<code>",
        "a\u0000b\u200bc\ufeff\n\t",
        "中" * 4096,
        "how do i renew " * 270,
    ],
)
def test_odd_inputs_do_not_crash(kb: KnowledgeBase, text: str) -> None:
    match = kb.match(text, custom=[CustomEntry(1, "本群的卡怎么续费", "找群主")])
    assert match.kind in ("answer", "choices", "none")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("139开头的号咋续费", (("139", "china_mobile"),)),
        ("186的号 就是沃那个", (("186", "china_unicom"),)),
        ("13312345678怎么充", (("133", "china_telecom"),)),
        ("my number starts with 138, which company", (("138", "china_mobile"),)),
        ("0917 number how to load", (("0917", "globe"),)),
        ("+63 918 123 4567 load", (("0918", "smart"),)),
        ("139元的套餐", ()),  # a price, not a number
        ("wake me at 0930", ()),  # a time
        ("2026 09 17", ()),
    ],
)
def test_number_prefixes_point_to_their_carrier(
    text: str, codes: tuple[tuple[str, str], ...]
) -> None:
    assert carriers_by_prefix(normalize(text)) == codes


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("139开头的号怎么续费", "guide_china_mobile"),
        ("0917 number how do i load it", "guide_globe_tm"),
    ],
)
def test_a_number_prefix_asks_like_its_carrier_name(
    kb: KnowledgeBase, text: str, entry_id: str
) -> None:
    match = kb.match(text)
    assert match.kind == "answer" and match.entry is not None and match.entry.id == entry_id
    # The answer says the prefix does not prove the carrier (number portability).
    assert match.number_prefix == text[:4].strip("开 ")
    assert match.carrier is not None
    html = render(match.entry, "zh" if "号" in text else "en", match.carrier, match.number_prefix)
    assert ("携号转网" if "号" in text else "moved to another carrier") in html


def test_text_naming_a_carrier_prefers_its_guide(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "怎么续费 移动卡") == "guide_china_mobile"
    assert _answer_id(kb, "how do I renew my globe sim") == "guide_globe_tm"


def test_user_with_one_carrier_gets_its_guide(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "我的卡怎么续费", user_carriers=["airalo"]) == "guide_airalo"
    assert _answer_id(kb, "how do I renew my card", "en", user_carriers=["tnt"]) == (
        "guide_smart_tnt"
    )
    # Smart and TNT share one guide: still one guide.
    assert _answer_id(kb, "怎么续费", user_carriers=["smart", "tnt"]) == "guide_smart_tnt"


def test_user_with_several_carriers_gets_a_choice(kb: KnowledgeBase) -> None:
    match = kb.match("我的卡怎么续费", user_carriers=["smart", "china_mobile"])
    assert match.kind == "choices"
    assert [entry.id for entry in match.candidates] == ["guide_smart_tnt", "guide_china_mobile"]


def test_named_carrier_beats_recorded_carriers(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "how to renew china mobile", user_carriers=["airalo"]) == (
        "guide_china_mobile"
    )


def test_user_carriers_do_not_hijack_specific_questions(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "慢充靠谱吗", user_carriers=["airalo"]) == "scam_slow_topup"


GROUP_FAQ = [
    CustomEntry(1, "本群的卡怎么续费", "私聊群主续费"),
    CustomEntry(2, "群规是什么", "不要发广告"),
    CustomEntry(3, "Where do we meet on Friday?", "At the usual cafe"),
]


@pytest.mark.parametrize(
    ("text", "row_id"),
    [("卡怎么续费", 1), ("群规", 2), ("where do we meet", 3), ("群规？？", 2)],
)
def test_custom_entries_win_in_their_group(kb: KnowledgeBase, text: str, row_id: int) -> None:
    match = kb.match(text, custom=GROUP_FAQ)
    assert match.kind == "answer"
    assert isinstance(match.entry, CustomEntry)
    assert match.entry.id == row_id


def test_custom_entries_do_not_capture_other_questions(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "怎么查余额", custom=GROUP_FAQ) == "check_balance"
    assert kb.match("asdfgh", custom=GROUP_FAQ).kind == "none"


def test_without_custom_entries_the_builtin_answers(kb: KnowledgeBase) -> None:
    assert _answer_id(kb, "卡怎么续费") == "how_to_renew"


# --- rendering -----------------------------------------------------------------------------


def test_render_answer_is_valid_html_for_every_entry(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        for lang in LANGS:
            html = render_answer(entry, lang)
            assert html_problem(html) is None, (entry.id, lang)
            assert len(html) <= 4096
            assert entry.answer(lang) in html


def test_render_adds_confirm_line_and_sources_below_h(kb: KnowledgeBase) -> None:
    medium = kb.get("guide_csl")
    high = kb.get("service_numbers")
    assert medium is not None and medium.confidence == "M"
    assert high is not None and high.confidence == "H"
    assert "confirm with your carrier" in render_answer(medium, "en")
    assert "CSL official site" in render_answer(medium, "en")
    assert "办理前请向运营商确认" in render_answer(medium, "zh")
    assert "confirm with your carrier" not in render_answer(high, "en")
    assert "办理前请向运营商确认" not in render_answer(high, "zh")
    assert "来源：" in render_answer(high, "zh")


def test_render_answer_falls_back_to_english(kb: KnowledgeBase) -> None:
    entry = kb.get("tip_keep_receipt")
    assert entry is not None
    assert render_answer(entry, "fr") == render_answer(entry, "en")
    assert render_answer(entry, "zh-CN") == render_answer(entry, "zh")


def test_render_custom_escapes_everything() -> None:
    row = CustomEntry(7, "<b>Rules</b> & more", "Don't <script>alert(1)</script> & spam")
    html = render_custom(row)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Rules&lt;/b&gt; &amp; more" in html
    assert html_problem(html) is None


def test_render_custom_stays_within_telegram_limit() -> None:
    html = render_custom(CustomEntry(8, "q", "&" * 5000))
    assert len(html) <= 4096
    assert html_problem(html) is None


def test_render_dispatches(kb: KnowledgeBase) -> None:
    entry = kb.get("channel_app")
    assert entry is not None
    row = CustomEntry(1, "q", "<a>")
    assert render(entry, "en") == render_answer(entry, "en")
    assert render(row, "en") == render_custom(row)


def test_titles_fit_buttons(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        for lang in LANGS:
            assert len(entry.title(lang)) <= 40
    long_row = CustomEntry(9, "一" * 100, "a")
    assert len(long_row.title("zh")) == 40
    assert CustomEntry(10, "  short   question ", "a").title("en") == "short question"


@pytest.mark.parametrize(
    ("question", "lang", "first_line"),
    [
        ("how do i check my globe balance", "en", "👉 Globe / TM: dial <code>*143#</code>"),
        ("电信卡咋查剩余流量", "zh", "👉 <b>中国电信</b>：在电信 App 里看"),
    ],
)
def test_an_answer_for_several_carriers_starts_with_the_one_asked_about(
    kb: KnowledgeBase, question: str, lang: str, first_line: str
) -> None:
    match = kb.match(question)
    assert match.kind == "answer" and isinstance(match.entry, Entry)
    assert len(match.entry.carriers) > 1 and match.carrier is not None
    body = render(match.entry, lang, match.carrier).split("\n\n")[1]
    assert body.startswith(first_line)
    # Without a carrier named, the answer is as written.
    assert "👉" not in render(match.entry, lang)
