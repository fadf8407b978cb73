"""The typed button data (bot/callbacks.py): every kind packs and parses back, fits
Telegram's 64 bytes at its largest, is taken by its own pattern only, and still reads the
buttons earlier versions sent."""

from __future__ import annotations

from datetime import date
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import (
    GUIDE_LANGUAGES,
    KINDS,
    MAX_ID,
    MAX_LEAD_VALUES,
    BroadcastAction,
    BroadcastButton,
    CallbackData,
    CardHistory,
    CardLeadDays,
    CardReminders,
    CardsPage,
    ConfirmDelete,
    DeleteCard,
    EditCard,
    FaqPage,
    ForgetConfirm,
    FormConfirm,
    FormField,
    FormPick,
    FormStep,
    FormStepName,
    GroupPage,
    GroupPageName,
    GroupSetting,
    GroupSettingName,
    GuideButton,
    Language,
    LanguageChoice,
    MenuButton,
    MenuItem,
    MuteCard,
    Receipt,
    RemindAtChoice,
    ReminderAction,
    ReminderButton,
    RenewChannel,
    RenewDate,
    RenewedCard,
    RenewStep,
    RenewStepName,
    SnoozeButton,
    SnoozeChoice,
    TimezoneChoice,
    UnmuteCard,
    ViewCard,
    any_of,
)
from bot.i18n import LANGUAGES
from storage.models import Channel

ids = st.integers(0, MAX_ID)
ascii_value = st.from_regex(r"[!-9;-~]{1,40}", fullmatch=True)
field_key = st.from_regex(r"[a-z][a-z_]{0,19}", fullmatch=True).filter(
    lambda key: key not in ("back", "save", "edit", "cancel", "pick", "past")
)
langs = st.none() | st.sampled_from(GUIDE_LANGUAGES)


def _choice(literal: object) -> st.SearchStrategy[str]:
    return st.sampled_from(get_args(literal))


STRATEGIES: dict[type[CallbackData], st.SearchStrategy[CallbackData]] = {
    MenuButton: st.builds(MenuButton, _choice(MenuItem)),
    ViewCard: st.builds(ViewCard, ids),
    EditCard: st.builds(EditCard, ids),
    RenewedCard: st.builds(RenewedCard, ids),
    DeleteCard: st.builds(DeleteCard, ids),
    ConfirmDelete: st.builds(ConfirmDelete, ids),
    CardHistory: st.builds(CardHistory, ids),
    CardReminders: st.builds(CardReminders, ids),
    MuteCard: st.builds(MuteCard, ids),
    UnmuteCard: st.builds(UnmuteCard, ids),
    Receipt: st.builds(Receipt, ids),
    CardLeadDays: st.builds(
        CardLeadDays,
        ids,
        st.none()
        | st.lists(st.integers(0, 999), min_size=1, max_size=MAX_LEAD_VALUES).map(tuple),
    ),
    ReminderButton: st.builds(ReminderButton, _choice(ReminderAction), ids),
    SnoozeButton: st.builds(SnoozeButton, _choice(SnoozeChoice), ids),
    CardsPage: st.builds(CardsPage, st.integers(0, 9999)),
    FaqPage: st.builds(FaqPage, st.integers(0, 999)),
    FormField: st.builds(FormField, field_key, st.none() | ascii_value),
    FormStep: st.builds(FormStep, _choice(FormStepName)),
    FormPick: st.builds(FormPick, field_key),
    FormConfirm: st.builds(FormConfirm, st.booleans()),
    RenewDate: st.builds(RenewDate, st.dates()),
    RenewStep: st.builds(RenewStep, _choice(RenewStepName)),
    RenewChannel: st.builds(RenewChannel, st.sampled_from(Channel)),
    ForgetConfirm: st.builds(ForgetConfirm, st.booleans()),
    LanguageChoice: st.builds(LanguageChoice, _choice(Language)),
    TimezoneChoice: st.builds(TimezoneChoice, st.from_regex(r"[!-9;-~]{1,50}", fullmatch=True)),
    RemindAtChoice: st.builds(
        RemindAtChoice, st.from_regex(r"[0-9]{1,2}:[0-9]{2}", fullmatch=True)
    ),
    GroupPage: st.builds(GroupPage, _choice(GroupPageName)),
    GroupSetting: st.builds(
        GroupSetting, _choice(GroupSettingName), st.from_regex(r"[!-~]{1,50}", fullmatch=True)
    ),
    GuideButton: st.one_of(
        st.builds(GuideButton, st.sampled_from(["home", "none"]), lang=langs),
        st.builds(
            GuideButton, st.just("sec"), st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
            st.integers(0, 99), langs,
        ),
        st.builds(
            GuideButton, st.just("e"), st.from_regex(r"[a-z][a-z0-9_]{1,39}", fullmatch=True),
            lang=langs,
        ),
        st.builds(GuideButton, st.just("c"), number=ids, lang=langs),
    ),
    BroadcastButton: st.builds(BroadcastButton, _choice(BroadcastAction), ids),
}

# Every kind with its fields at their largest (longest packed form).
LARGEST: list[CallbackData] = [
    MenuButton("language"),
    *(kind(MAX_ID) for kind in (ViewCard, EditCard, RenewedCard, DeleteCard, ConfirmDelete,
                                CardHistory, CardReminders, MuteCard, UnmuteCard, Receipt)),
    CardLeadDays(MAX_ID, (365,) * MAX_LEAD_VALUES),
    CardLeadDays(MAX_ID, (999,) * MAX_LEAD_VALUES),
    ReminderButton("snooze", MAX_ID),
    SnoozeButton("tomorrow", MAX_ID),
    CardsPage(9999),
    FaqPage(999),
    FormField("k" * 20, "v" * 40),
    FormStep("cancel"),
    FormPick("k" * 20),
    FormConfirm(yes=True),
    RenewDate(date.max),
    RenewStep("cancel"),
    RenewChannel(max(Channel, key=len)),
    ForgetConfirm(yes=True),
    LanguageChoice("zh"),
    TimezoneChoice("z" * 50),
    RemindAtChoice("23:59"),
    GroupPage("lead"),
    GroupSetting("topic", "v" * 50),
    GuideButton("sec", "s" * 20, 99, "zh-hant"),
    GuideButton("e", "e" * 40, lang="zh-hant"),
    GuideButton("c", number=MAX_ID, lang="zh-hant"),
    GuideButton("none", lang="zh-hant"),
    BroadcastButton("cancel", MAX_ID),
]


def test_every_kind_is_covered() -> None:
    assert set(STRATEGIES) == set(KINDS)
    assert {type(button) for button in LARGEST} == set(KINDS)
    assert get_args(Language) == LANGUAGES


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_pack_parse_round_trip(kind: type[CallbackData], data: st.DataObject) -> None:
    button = data.draw(STRATEGIES[kind])
    packed = button.pack()
    assert kind.parse(packed) == button
    assert kind.pattern(packed)
    assert len(packed.encode()) <= 64


@pytest.mark.parametrize("button", LARGEST, ids=lambda button: type(button).__name__)
def test_largest_values_fit_telegrams_64_bytes(button: CallbackData) -> None:
    packed = button.pack()
    assert type(button).parse(packed) == button
    assert len(packed.encode()) <= 64, packed


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_each_pattern_rejects_every_other_kind(
    kind: type[CallbackData], data: st.DataObject
) -> None:
    packed = data.draw(STRATEGIES[kind]).pack()
    takers = [other.__name__ for other in KINDS if other.pattern(packed)]
    assert takers == [kind.__name__]


# Buttons as earlier versions packed them (they sit in chats: a reminder sent yesterday is
# pressed tomorrow), and what they mean.
SENT_BEFORE: list[tuple[str, CallbackData]] = [
    ("card:renewed:12", RenewedCard(12)),
    ("card:snooze:12", ReminderButton("snooze", 12)),
    ("card:stop:12", ReminderButton("stop", 12)),
    ("card:guide:12", ReminderButton("guide", 12)),
    ("card:sz:evening:12", SnoozeButton("evening", 12)),
    ("card:view:7", ViewCard(7)),
    ("card:delok:7", ConfirmDelete(7)),
    ("card:lead:7:7,3,1,0", CardLeadDays(7, (7, 3, 1, 0))),
    ("card:lead:7:d", CardLeadDays(7, None)),
    ("card:unmute:7", UnmuteCard(7)),
    ("card:rcpt:3", Receipt(3)),
    ("cards:page:2", CardsPage(2)),
    ("menu:addcard", MenuButton("addcard")),
    ("cf:expiry:+7d", FormField("expiry", "+7d")),
    ("cf:lead_days:14,7,3,1", FormField("lead_days", "14,7,3,1")),
    ("cf:plan", FormField("plan")),
    ("cf:pick:cycle_days", FormPick("cycle_days")),
    ("cf:past:no", FormConfirm(yes=False)),
    ("rn:date:2026-02-28", RenewDate(date(2026, 2, 28))),
    ("rn:ch:gcash", RenewChannel(Channel.GCASH)),
    ("rn:amt", RenewStep("amt")),
    ("forget:yes", ForgetConfirm(yes=True)),
    ("lang:zh", LanguageChoice("zh")),
    ("tz:Asia/Hong_Kong", TimezoneChoice("Asia/Hong_Kong")),
    ("at:09:00", RemindAtChoice("09:00")),
    ("gs:at:21:00", GroupSetting("at", "21:00")),
    ("gs:lead:14,7,3,1,0", GroupSetting("lead", "14,7,3,1,0")),
    ("gs:topic:here", GroupSetting("topic", "here")),
    ("gs:menu", GroupPage("menu")),
    ("kb:home", GuideButton("home")),
    ("kb.zh-hk:sec:carriers:1", GuideButton("sec", "carriers", 1, "zh-hk")),
    ("kb:e:guide_smart_tnt", GuideButton("e", "guide_smart_tnt")),
    ("kb.en:c:42", GuideButton("c", number=42, lang="en")),
    ("faq:page:3", FaqPage(3)),
    ("bc:cancel:5", BroadcastButton("cancel", 5)),
]


@pytest.mark.parametrize(("data", "button"), SENT_BEFORE, ids=[d for d, _ in SENT_BEFORE])
def test_buttons_sent_by_earlier_versions_still_read(data: str, button: CallbackData) -> None:
    assert type(button).parse(data) == button
    assert button.pack() == data


@pytest.mark.parametrize("data", [
    "card:snooze:123456789012",  # ids are at most nine digits, for every kind
    "card:view:1234567890",
    "card:view:٣",  # other scripts' digits are not digits here
    "card:view:-1",
    "card:view:",
    "card:sz:forever:1",
    "card:lead:1:7,3,1,0,1,2,3,4,5,6,7",  # more lead days than a card takes
    "rn:date:2026-02-30",
    "rn:ch:bitcoin",
    "cf:pick",
    "cf:back:x",
    "cf:label:" + "é" * 20,
    "gs:lang:" + "x" * 51,
    "kb.fr:home",
    "lang:fr",
    "menu:",
    "",
    "x" * 65,
])
def test_forged_data_is_no_button(data: str) -> None:
    assert [kind.__name__ for kind in KINDS if kind.pattern(data)] == []


def test_matching_and_any_of() -> None:
    cancel = FormStep.matching(step="cancel")
    assert cancel("cf:cancel") and not cancel("cf:save") and not cancel("rn:cancel")
    field = FormField.matching(key="carrier")
    assert field("cf:carrier:globe") and field("cf:carrier") and not field("cf:kind:sim")
    either = any_of(CardsPage.pattern, MenuButton.matching(item="cards"))
    assert either("cards:page:3") and either("menu:cards") and not either("menu:help")
    assert GuideButton.outdated("kb:e:../../x") and not GuideButton.outdated("kb:home")
    assert not GuideButton.outdated("menu:renew")
    with pytest.raises(TypeError):  # a misspelt field would otherwise never match
        FormStep.matching(stp="cancel")
