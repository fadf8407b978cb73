"""Free text about the user's own cards ("when does my card expire?", "remind me to renew my
Smart SIM on Dec 31", "I renewed my Globe SIM"): requests for the bot to act, not questions
for the knowledge base.

Detection is by patterns over normalised text (normalize.py), in Chinese and English. A
request is recognised only when it is phrased as one: "how do I add a secondary card?" or
"I topped up but it didn't arrive" are questions and go to the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.knowledge.carriers import carriers_in
from bot.knowledge.normalize import MAX_INPUT_CHARS, has_cjk, normalize

IntentKind = Literal["my_cards", "add_card", "remind_me", "renewed_card", "forget_data"]


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    carrier: str | None = None  # the carrier code named in the text, if any


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# Things a user's card is called.
_ZH_CARD = r"(?:手机卡|电话卡|流量卡|上网卡|sim卡|esim|sim|卡片|卡|号码|手机号|号)"
_EN_CARD = r"(?:cards?|sims?|sim cards?|esims?|numbers?|lines?|plans?|data cards?|prepaid|postpaid)"
_EN_MY = r"(?:my|our|the)(?: [a-z0-9]+){0,3}"

# Asking how something works ("how do I add a card?", "怎么设置提醒") is a question, unless it
# is about the bot itself (handled by the knowledge base's bot_reminders entry then).
_HOW = _any(
    r"怎么|如何|怎样|咋|为什么|为啥|啥意思|去哪|在哪|哪里|办法|方法|方式|渠道",
    r"(?<![a-z])(?:how|why|can i|could i|should i|is it|do i need|what if|what happens)(?![a-z])",
)
# "能…吗" asks whether something can be done, unless it asks the bot to do it: "能帮我列一下吗",
# "可不可以在到期前一日提醒我".
_WHETHER = re.compile(r"能不能|可不可以|可以吗|能吗|吗$")
_ASKS_BOT = re.compile(r"(?:能|可以|能不能|可不可以|麻烦)你?(?:帮我|给我|帮忙)|提醒我")
# A renewal that went wrong is a support question, not news to record.
_PROBLEM = _any(
    r"没|不|未|但|却|还是|失败|错|重复|两次|扣了|退|骗|吗|呢|怎么|咋|为什么|为啥|多久|多少|几|哪|啥|什么"
    # (the last ones Cantonese)
    r"|(?<![又就])能|可以(?!更新|帮)|会|(?<!应)该|要|得交|定系|系咪|咩|点样|点解",
    r"(?<![a-z])(?:but|not|no|didnt|didn t|doesnt|isnt|hasnt|havent|cant|cannot|wont|still"
    r"|failed|fail|never|wrong|twice|why|how|refund|missing|scam|error|gone|unchanged|same"
    r"|when|what|where|yet|reflect|pero|wala|hindi|bakit|ayaw|paano|kailan)(?![a-z])",
)

_EN_MINE = r"my(?: [a-z]+){0,3} "  # "my", "my saved", "my mom s smart"
_ZH_ASKS_WHEN = r"(?:什么时候|啥时候|啥时|何时|哪天|几号|几月几号|还有几天|还剩几天)"
_ZH_WHEN = rf"(?:{_ZH_ASKS_WHEN}|多久|快)"
# Kept with the bot: "the cards I saved here", "你这儿记的", "on file".
_ZH_KEPT = (
    r"(?:(?:在这|在你这|你这|这里)?.{0,3}(?:登记|记录|记|存|保存|添加|加)(?:过|了)?"
    r"|(?:登记|记录|记|存)在(?:你这|这里|这)儿?)的"
)
_EN_KEPT = (
    r"(?:i |we )?(?:ve |have )?(?:saved|added|stored|recorded|registered|have|put in|gave you)"
)
_ZH_DUE = r"(?:到期|过期|截止|要续|该续|续费|交钱|充值|停机)"

_MY_CARDS = _any(
    rf"我的?.{{0,8}}{_ZH_CARD}.{{0,8}}{_ZH_WHEN}.{{0,4}}{_ZH_DUE}",
    rf"我的?(?:哪|那几|几)(?:张|个|些){_ZH_CARD}?.{{0,6}}{_ZH_DUE}",
    rf"(?:查看|看看|看下|看一下|列出|显示|查一下)?我(?:的|记录的|记的|存的|添加的|加的)(?:所有)?{_ZH_CARD}"
    r"(?:列表|清单|有哪些|都有哪些)?$",
    rf"我(?:有|记了|存了|加了)(?:哪些|几张|多少张|什么){_ZH_CARD}",
    rf"我.{{0,10}}(?:登记|记录|记|存|加|添加)(?:了|过)的?{_ZH_CARD}?.{{0,2}}(?:哪|几|多少)",
    rf"(?:登记|记录|记|存|添加)(?:了|过)(?:哪些|哪几张|几张|多少张){_ZH_CARD}",
    rf"(?:查看|看看|看下|看一下|列出|显示|查一下)我{_ZH_KEPT}.{{0,4}}{_ZH_CARD}",
    rf"把我的?(?:所有|全部)?的?{_ZH_CARD}.{{0,4}}(?:列|显示|发给我|给我看)",
    rf"{_ZH_KEPT}.{{0,10}}{_ZH_CARD}.{{0,12}}(?:什么时候|啥时候|哪天|几号).{{0,4}}(?:到期|过期)",
    rf"{_ZH_KEPT}.{{0,6}}{_ZH_CARD}.{{0,6}}(?:给我看|看一下|看看|列出来|列一下)",
    rf"(?<![a-z])(?:list|show|see|view)(?: me)?(?: all)? (?:the |my )?(?:[a-z0-9]+ ){{0,2}}"
    rf"{_EN_CARD} {_EN_KEPT}",
    rf"(?<![a-z])(?:what|which) {_EN_CARD} do you have (?:on file |saved |stored )?"
    r"(?:for|of|on) me",
    r"(?<![a-z])(?:show|see|view|give)(?: me)? (?:my|the) list(?![a-z])",
    # (not "TM sim ko po, pano mag load dito": how to load it here)
    r"(?<![a-z])(?:sim|card|number)s? ko\b(?!.*\b(?:pano|paano)\b).{0,20}(?:save|dito)",
    rf"(?:^|(?:tell me|know|check|see|remind me|so|and|hey|hi|hello|one|btw|wait|ok|okay|quick) )"
    rf"(?:when|what day|which day|what date"
    rf"|which date)(?: s| is| does| do| will| are)? {_EN_MINE}?{_EN_CARD}?.{{0,25}}"
    r"(?:expir|run out|end|due|renew|lapse)",
    # (not "which app should I get … can it also show my plan": the app shows it)
    rf"(?<![a-z])(?<!it )(?<!also )(?:show|list|see|view|check|display|give)(?: me)?(?: all)?"
    rf"(?: of)? {_EN_MINE}?{_EN_CARD}(?: please| pls| plz)?$",
    rf"^(?:all )?{_EN_MINE}?{_EN_CARD}(?: please| pls| plz)?$",
    rf"(?<![a-z])(?:what|which) {_EN_CARD} do i have",
    rf"(?<![a-z])which of {_EN_MINE}?{_EN_CARD}.{{0,20}}(?:expir|due|run out|renew)",
    rf"(?<![a-z])(?:what|which) {_EN_CARD} did i (?:give|add|save|tell|record)",
    rf"(?<![a-z])(?:what|which) {_EN_CARD} (?:have you got|have you|do you keep)"
    r"(?: on file| saved| stored)?(?: for| of| on) me",
    # "the airalo esim i recorded with you": a card kept with the bot, then when it ends
    rf"{_EN_CARD} (?:i|we) (?:saved|added|stored|recorded|registered|gave you)(?: (?:with|to)"
    r" (?:you|u))?.{0,20}(?:expire|run out|end|due|lapse)",
    rf"(?<![a-z])(?:expiry|expiration|renewal|due) dates? of {_EN_MINE}?{_EN_CARD}",
    rf"(?<![a-z]){_EN_MINE}?{_EN_CARD}? ?(?:expiry|expiration|renewal|due) dates?",
    rf"(?<![a-z])how (?:many|long) days? (?:left|until|till|before)(?: on| for| in)? {_EN_MINE}",
    # "联通那张卡什么时候到期", "嗰張卡幾時到期": that card of theirs
    rf"(?:那|这|\s|^)张{_ZH_CARD}?.{{0,4}}{_ZH_ASKS_WHEN}.{{0,4}}{_ZH_DUE}",
    # "我那张电信流量卡还能用多久", "…你帮我看下记录": the card's time left, from the bot
    r"(?:那|这)张.{0,10}(?:还能用多久|还能用几天|还剩几天|还有几天|还剩多久)",
    rf"{_ZH_CARD}.{{0,20}}(?:看下|看一下|查下|查一下)(?:我的)?记录",
    # "到期日是哪天来着": a date the user once knew
    rf"{_ZH_DUE}.{{0,8}}来着",
    rf"(?<![a-z])whens {_EN_MINE}?{_EN_CARD}?.{{0,25}}(?:expir|run out|end|due|renew|lapse)",
    # "my holafly one, when does it end again"
    rf"^{_EN_MINE}?(?:one|{_EN_CARD})(?![a-z]).{{0,6}}when (?:does|will|is|do) (?:it|they) "
    r"(?:end|expire|run out|lapse)",
    # "the expiry date on the smart sim i added", "i saved 3 cards here, which one runs out first"
    rf"(?:expiry|expiration|due|renewal) dates?.{{0,30}}{_EN_CARD} (?:i|we) {_EN_KEPT}",
    rf"(?<![a-z])(?:i|we) {_EN_KEPT}(?: like)?(?: \d+| a few| some| two| three)? {_EN_CARD}"
    r".{0,30}(?:which|when).{0,20}(?:expir|runs? out|ends?|due)",
    r"(?:kelan|kailan).{0,20}expire.{0,30}(?:sim|card|number|esim|line|smart|tnt|globe|tm|dito"
    r"|gomo) ko(?![a-z])",
    rf"(?<![a-z])is my(?: [a-z]+){{0,2}} {_EN_CARD} (?:about to|going to|gonna|close to)"
    r" (?:run out|expire|end|lapse)",
    rf"(?<![a-z])(?:what|which) {_EN_CARD} (?:are|r) (?:you|u) (?:tracking|keeping|watching|storing"
    r"|saving|holding)",
    r"^(?:show|list|give)(?: me)? my (?:[a-z]+ ){0,2}(?:cards*|sims*|esims*)(?![a-z])",
    # "我的电信卡到期日是几号", "我個電信卡到期日係幾號": the date asked after it is named
    rf"我的?.{{0,8}}{_ZH_CARD}.{{0,6}}(?:到期|过期|截止)(?:日|日期|时间|的日子)(?:是|系)?"
    rf"{_ZH_ASKS_WHEN}",
    # "上个月加过一张广电的卡 还剩多久到期": a card the user added here
    rf"(?:登记|记录|记|存|添加|加)(?:过|了)(?:一|1|两|几)?(?:张|个).{{0,8}}{_ZH_CARD}.{{0,12}}"
    rf"{_ZH_WHEN}.{{0,4}}{_ZH_DUE}",
)
_ZH_ADD_VERB = r"(?:添加|新增|记录|记下|记一下|录入|登记|保存|加入|加|添|记|录|存)"
_ZH_INTO = r"(?:进来|进去|上去|上|下来|一下)"
_ADD_CARD = _any(
    r"^(?:加|添加|新增|记)(?:一)?(?:张)?(?:新)?卡片?\s*(?:谢谢|谢了|多谢|thanks|thx)?$",
    # (not money: "想提前把钱存进去" is paying ahead)
    rf"{_ZH_CARD}.{{0,12}}(?:加|记|录|(?<!钱)存|添加|登记){_ZH_INTO}",
    rf"{_ZH_CARD}.{{0,4}}想?(?:加入|加进|加上)",
    rf"(?:在这|在你这|这里)(?:登记|记录|记|录|存|添加|加){_ZH_INTO}?",
    rf"(?<![a-z])(?:new|another|got a) .{{0,20}}{_EN_CARD}.{{0,30}}(?:save|add|track|record|store)"
    r" (?:it|this|that)(?![a-z])",
    r"(?<![a-z])(?:add|save|put) (?:it|this|that) (?:to|on|in) (?:my|the) list(?![a-z])",
    rf"(?<![a-z])(?:add|put) (?:my |our |the )?(?:[a-z0-9]+ ){{0,2}}{_EN_CARD} (?:on|to|in|into) "
    r"(?:my|the) list(?![a-z])",
    # "再添一张移动的，套餐58元": one more of what the user keeps here; not "能再加一个副号吗"
    r"^(?:帮我|给我|请|麻烦)?(?:再|又|另)(?:添|加|添加|新增|记)(?:一|1)?(?:张|个)"
    r"(?!.*(?:吗|么|嘛|能不能|可不可以|可以|是否))",
    r"(?<![a-z])(?:pls|please|plz) add(?: it)?$|(?<![a-z])add (?:it )?(?:pls|please|plz)$",
    rf"(?<![a-z])(?:pa ?add|paki ?add|i ?add mo)(?: [a-z]+){{0,4}} (?:{_EN_CARD}|ko)(?![a-z])",
    rf"(?:帮我|给我|我要|我想|我想要|请|麻烦|再)?{_ZH_ADD_VERB}(?:一下|一|1|另)?(?:张|个)"
    rf"(?:新的?)?(?:我的)?.{{0,12}}{_ZH_CARD}",
    # "记一下 广电卡 下个月3号到期": a card and its expiry, to note down
    rf"^(?:帮我|给我|请|麻烦)?(?:记一下|记下|记录一下|录入|登记一下|记)\s*.{{0,12}}{_ZH_CARD}"
    r".{0,16}(?:到期|过期)",
    rf"(?:帮我|给我|我要|我想|请|麻烦)(?:添加|新增|记录|记下|记一下|录入|保存)(?:我的)?.{{0,6}}{_ZH_CARD}",
    rf"把.{{0,12}}{_ZH_CARD}.{{0,4}}(?:添加|加|存|记|录|保存)(?:上|进|进来|进去|下|下来|一下|起来)",
    rf"{_ZH_CARD}.{{0,6}}帮我(?:录|记|存|加)(?:进去|上|下来|一下)?",
    r"(?<![a-z])(?:add|adding|record|recording|save|saving|track|tracking|store|storing|put in"
    r"|register another|register one more)(?: in)?(?: a| my| another| one| new| the| this| our)*"
    # (not "can I add more on the same esim", "add value to my prepaid": money or data)
    r"(?! (?:more (?:on|to|data|gb|days)|value|credit|money|funds|load|balance|data)\b)"
    rf"(?: [a-z0-9]+){{0,3}} {_EN_CARD}(?![a-z])",
)
# "新办了张广电的卡…帮我记一下", "帮我盯着点我那张卡", "got a new nomad esim … pls save it": a
# card, then "note it for me" (unless it asks how: "新卡怎么激活 帮我记一下步骤").
_NOTE_IT = _any(
    rf"{_ZH_CARD}.{{0,40}}(?:帮我|给我|麻烦你?)(?:记一下|记下|记着点?|存上|存一下|存起来|登记一下"
    r"|登记下|记录一下|记录下|录一下)",
    rf"帮我(?:盯着|盯|看着|留意)(?:点|一下)?.{{0,8}}{_ZH_CARD}",
    rf"{_EN_CARD}.{{0,60}}(?:log|note down|save|track|record|keep track of|keep an eye on)"
    r" (?:it|this|that|them)(?![a-z])",
)
# Adding things that are not a card record: a secondary line or data to an account, a bank
# card to a wallet, load or credit to a number.
_NOT_ADD_CARD = _any(
    r"副卡|副号|亲情|家庭|主卡|套餐(?:里|上|下|内)|流量包|加油包|(?:加|充|买)(?:点)?(?:流量|话费|余额)|银行卡|信用卡|支付宝|微信|钱包"
    r"|实名|绑定",
    r"(?<![a-z])(?:load|credit|data|balance|money|minutes|bank|credit card|debit card|wallet"
    r"|gcash|maya|alipay|apple pay|google pay|registration|family|secondary|promo)(?![a-z])",
    r"(?<![a-z])register (?:my|a|the|your)(?![a-z])",
    # "walk into the telco's store": the shop, not "store my card"
    r"(?<![a-z])(?:the|a|s|to|at|in|nearest|convenience|partner|sari sari|carrier|telco|phone"
    r"|mobile|official|retail) store(?![a-z])",
)
_REMIND_ME = _any(
    r"提醒我|提醒一下|帮我提醒|记得提醒|到时候?提醒|设(?:个|置|一个)?提醒|定(?:个|一个)?提醒"
    # "到时候叫我续费"; not "短信…叫我点网址续费" (what a scam text told the user to do)
    r"|(?:^|到时候?|记得|请|麻烦你?)(?:叫|喊)我.{0,10}(?:续|充|交|缴)",
    # "月底喊我交话费", "提前三天叫我一声": a time, then "call me"
    r"(?:月底|月初|到期前|提前.{0,4}|明天|后天|下个?月.{0,4}|\d+\s?号)(?:叫|喊|通知|告诉)我"
    r"|(?:叫|喊|通知|告诉)我一声",
    # "2/28 提醒续费流量卡": a date, then the reminder as a note to self
    r"^(?:\d+[\s/.\-月]+\d+\s?[号日]?|\d+\s?号|月底|明天|后天)\s?提醒(?:续费|充值|交费|缴费|充话费|交话费)",
    r"(?<![a-z])(?:remind me|remind us|set (?:up )?(?:a )?reminder|alert me|notify me|ping me"
    r"|nudge me|poke me|give me a heads ?up|reminder(?: pls| please| plz)? (?:for|to|on)"
    r"|pa ?remind|paki ?remind"
    r"|i ?remind mo ako|remind mo (?:ako|ko)|paalala(?:han)? mo ako|ipaalala mo"
    r"|paalala (?:naman|po|mo (?:ako|ko))"
    r"|(?:don t|dont|do not) let me forget|(?:remnd|remid|rmind|remin|reminf) me)(?![a-z])",
)
# What is left of a reminder request once the request, its date and time and filler words
# are gone is what it is about: "take my meds", "开会", or nothing ("remind me on Dec 31").
_REMINDER_FRAME = _any(
    r"提醒|叫我|喊我|通知我|告诉我|帮我|设(?:个|置|一个)?|定(?:个|一个)?|一声|\d+|[一二三四五六七八九十两]+"
    r"|[年月日号点分天周]|星期.?|礼拜.?|今天|明天|后天|今晚|早上|上午|中午|下午|晚上|下个?|这个?"
    r"|每|之?前|以后|之后|我|给|在|的|一下|吧|要|去|记得|提前|到时候?",
    r"(?<![a-z])(?:on|at|in|by|before|after|tomorrow|today|tonight|next|this|every|am|pm|st|nd|rd"
    r"|th|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*"
    r"|dec\w*|days?|weeks?|months?|morning|evening|night|noon|to|me|us|my|the|a|an|for|of|about"
    r"|please|pls|plz|remind|reminder|set|up|alert|notify|ping|nudge|poke|give|heads|pa|paki"
    r"|i|mo|ako|paalala|paalalahan|ipaalala)(?![a-z])",
)


def reminded_of(text: str) -> str:
    """What a remind-me request is about, normalised; empty when it names only a time."""
    return " ".join(_REMINDER_FRAME.sub(" ", normalize(text[:MAX_INPUT_CHARS])).split())


# English news of a renewal is read from the text before "topped up" and "top up" become one
# word (normalize.py), because here the tense is what matters.
_EN_DONE = (
    r"(?:renewed|renwed|renewd|topped up|topped (?:it|this|that) up|reloaded|loaded|recharged"
    r"|extended|paid(?: for)?)"
)
_RENEWED_EN = _any(
    rf"(?<![a-z])(?:i |we |ve |just |already |have |has )+{_EN_DONE}(?![a-z])",
    rf"^(?:fyi |btw |ok |okay |update )?{_EN_DONE}(?![a-z])",
    r"(?<![a-z])mark (?:it|this|that)(?: as)? (?:done|renewed|paid)(?![a-z])",
    rf"(?<![a-z]){_EN_DONE}(?: [a-z0-9]+){{0,3}} already(?![a-z])",
    r"(?<![a-z])done (?:renewing|topping up|loading|reloading|paying|recharging)(?![a-z])",
    r"(?<![a-z])(?:nag|nakapag|naka) ?(?:load|renew|top ?up|reload|bayad)(?:ed)? na(?![a-z])",
    rf"(?<![a-z]){_EN_DONE}(?: [a-z0-9]+){{0,2}} na(?![a-z])",
    rf"^(?:[a-z0-9]+ ){{1,3}}{_EN_DONE}(?: (?:today|yesterday|just now|earlier|already))?$",
    r"(?<![a-z])added (?:another |more |an extra )?(?:\d+ ?gb|data|load)(?![a-z])",
    r"(?<![a-z])(?:i |just |already )*(?:added|bought) (?:more )?(?:data|load|a promo|a data pack)"
    r"(?![a-z])",
    r"(?<![a-z])(?:bought|got) (?:another|a|an|more)(?: [a-z0-9]+){0,2} (?:top ?up|topup|load"
    r"|reload|renewal|extension)(?! card| pin| sms| text| message| link| call| offer)(?![a-z])",
)
_RENEWED = _any(
    r"(?:已经|已|刚刚|刚|今天|昨天|刚才)?(?:续费|续约|续上|续|充值|充|交|缴|增值)(?:了|好了|完了|过了)"
    r"(?:\d+(?:块|元)?(?:钱|话费)?)?",
    r"(?:已经|已)(?:续费|续约|续上|续|充值|充|交|缴|增值)",
    r"(?:增|充|续|交|缴)了(?:值|费|钱)",
    r"(?:增|充|续|交|缴)过(?:值|费|钱)?了",
    r"(?:增|充|续|交|缴)完(?:值|费|钱)?了|(?:刚刚|刚|已经|已)(?:充|交|缴|续)(?:完|好)",
    r"(?:续费|续约|充值|交费|缴费|增值|充钱|交钱)(?:搞定|完成|好了|完事|办好|弄好)",
    r"(?:刚刚|刚|已经|今天|昨天)给.{0,20}(?:加了|充了|续了|买了|交了)",
    r"(?:已经|已|刚刚|刚)冲(?:好|完)",  # 冲 for 充, a common slip
)
_ZH_MY_DATA = r"(?:数据|信息|资料|记录|账号|账户|个人信息|东西)"
_FORGET = _any(
    r"(?:存了|保存了|记了|记录了|有)我的.{0,8}(?:删|清)",
    r"(?<![a-z])(?:delete|delte|delet|remove|erase|wipe|clear|purge)(?: all| everything)? (?:of )?"
    r"(?:my|what)(?: [a-z]+){0,3} (?:cards|data|info|information|details|records)(?![a-z])",
    r"(?<![a-z])(?:delete|remove|erase|wipe|clear|purge)(?: out)? (?:everything|all|what|whatever)"
    r"(?: (?:you|u))?(?: have)? (?:stored|saved|have|keep|know|hold|got)(?: (?:about|on|of) me)?",
    r"(?<![a-z])my (?:personal )?(?:data|info|information|details) (?:gone|removed|deleted|erased)",
    r"(?<![a-z])(?:gdpr|paki ?delete|pakibura|burahin)(?![a-z])",
    rf"(?:删除|清除|清空|抹掉|抹除|销毁)(?:我的|我)?(?:所有|全部)?{_ZH_MY_DATA}",
    rf"我.{{0,12}}{_ZH_MY_DATA}.{{0,6}}(?:删|清)",
    rf"(?:删除|清除|清空|抹掉).{{0,8}}我.{{0,8}}{_ZH_MY_DATA}",
    # "忘了我吧", "忘记我的资料"; not "我都忘了我办的是啥套餐" (I forgot which plan I have)
    r"忘(?:记|掉|了)我(?:吧|了|$|\s|的(?:数据|资料|信息|记录|一切)|的[^哪啥么几多]{0,12}吧$)",
    # "你存的我的卡和提醒啥的统统删了": what the bot keeps, all of it
    r"你(?:存|记|保存|记录)的.{0,10}(?:卡|数据|资料|记录|提醒|信息).{0,10}(?:全|都|全部|统统|通通)"
    r"(?:给我)?(?:删|清)",
    # "把我存的卡全删掉", "我在你这的资料全部注销掉": what the bot keeps, all of it
    r"把我.{0,8}(?:卡|数据|资料|记录|提醒|信息).{0,6}(?:全|都|全部)(?:部)?(?:删|清)",
    r"(?:在你这|你这里|你这|在这)的?.{0,6}(?:数据|信息|资料|记录|卡|东西).{0,6}(?:删|清|注销)",
    r"(?<![a-z])(?:delete|remove|erase|wipe|clear|purge)(?: all| everything)?(?: of)?"
    r"(?: my| you have| you ve| you know)?(?: [a-z]+){0,2} (?:data|info|information|details"
    r"|account|records|history|stuff|about me)(?![a-z])",
    r"(?<![a-z])my(?: [a-z]+){0,3} (?:data|info|information|details|records) (?:deleted|removed"
    r"|erased|wiped|gone)(?![a-z])",
    r"(?<![a-z])(?:remove|delete|erase|wipe) me from (?:your|ur|the) (?:database|db|system"
    r"|records)(?![a-z])",
    # "你存的我的信息一条都不要留", "唔該幫我清晒啲資料" (谢谢帮我清完的资料)
    rf"{_ZH_MY_DATA}.{{0,8}}(?:不要留|别留|不留)",
    r"帮我(?:清|删)(?:完|掉|光|空|除)?.{0,10}(?:我的|我)?的?(?:所有|全部)?(?:资料|信息|记录|个人信息)",
    r"(?<![a-z])forget (?:about )?(?:me|everything|all about me)(?![a-z])",
    r"(?<![a-z])(?:stop|quit) (?:storing|saving|keeping) my(?![a-z])",
)


@lru_cache(maxsize=2048)
def detect_intent(text: str) -> Intent | None:
    """What the user asks the bot to do with their cards, or None for anything else."""
    normalized = normalize(text[:MAX_INPUT_CHARS])
    if not normalized:
        return None
    carriers = carriers_in(normalized)
    carrier = carriers[0] if carriers else None
    asks_how = _HOW.search(normalized) is not None or (
        _WHETHER.search(normalized) is not None and _ASKS_BOT.search(normalized) is None
    )
    if _FORGET.search(normalized):
        return Intent("forget_data")
    plain = " ".join(re.findall(r"[a-z0-9]+", text[:MAX_INPUT_CHARS].lower()))
    said_renewed = _RENEWED.search(normalized) or _RENEWED_EN.search(plain)
    # "不用提醒了" (no need to remind me) is not a problem with the renewal, nor a reminder.
    remaining = _NO_REMINDER_NEEDED.sub(" ", normalized)
    renewed = bool(said_renewed) and not _PROBLEM.search(remaining) and not (
        _QUESTION_MARK.search(text)
    )
    if _REMIND_ME.search(normalized) and not asks_how and remaining == normalized:
        return Intent("remind_me", carrier)
    if _MY_CARDS.search(normalized) and not _starts_how(normalized) and not (
        asks_how and has_cjk(normalized)
    ):
        return Intent("my_cards", carrier)
    # "How do I add a card?" asks about the bot itself: starting to add one shows how.
    # "Record it for me" (记上, 录进去) is about the bot even for a secondary card.
    records = _RECORD_FOR_ME.search(normalized) is not None
    listed = _NEW_CARD_HEADER.match(text) is not None  # "new card: globe prepaid, 0917…"
    asks_to_add = _ADD_CARD.search(normalized) is not None or (
        not asks_how and _NOTE_IT.search(normalized) is not None
    )
    adds = listed or (asks_to_add and (records or not _NOT_ADD_CARD.search(normalized)))
    # "我已经充值了那张卡，你那边记一下": news of a renewal asks to note it, not a new card.
    if adds and not (renewed and not _NEW_CARD.search(normalized)):
        return Intent("add_card", carrier)
    return Intent("renewed_card", carrier) if renewed else None


_NEW_CARD = re.compile(r"新|又买|买了|办了|入了|(?<![a-z])(?:new|bought|got a|picked up)(?![a-z])")
_QUESTION_MARK = re.compile("[?？]")
_NEW_CARD_HEADER = re.compile(r"\s*new (?:card|sim|esim|number)\s*[:：]", re.IGNORECASE)
_RECORD_FOR_ME = re.compile(r"(?:给我|帮我|也)(?:记|录|存)(?:上|下|进去|进来|一下)")
_NO_REMINDER_NEEDED = re.compile(
    r"不用(?:再)?提醒了?|别(?:再)?提醒了?|不要(?:再)?提醒了?|no need to remind me|"
    r"(?:don t|dont|no more) remind(?:er)?s?"
)
_HOW_TO_CHECK = _any(
    # Normalised text: 如何, 怎样 and 咋 are 怎么 by now.
    r"^(?:请问)?(?:怎么|在哪|去哪)(?:查|看|知道|查询)",
    r"^how (?:do|can|to|would) (?:i |you )?(?:check|find|see|know|look)",
    r"^(?:paano|pano) (?:ko )?(?:malaman|makita|i ?check|macheck)",  # Taglish
    # ... or asked after the question: "when does my plan expire how to check", "…怎么查"
    r"(?:怎么|在哪|去哪)(?:查|看|查询)(?:啊|呢|呀|的)?$",
    r"(?<![a-z])how (?:do i |can i |to |i )?(?:check|find out|see)(?: it| that)?$",
    # ... or for the code to dial or text ("is there a code i can dial to check …", "发啥短信查")
    r"(?<![a-z])(?:is there an? (?:code|ussd|number to (?:dial|text))|what code|which code"
    r"|ussd)(?![a-z])|(?:发什么|发啥|拨什么|拨打什么)(?:短信|代码|指令|号码)?(?:能|可以)?查",
    # ... or says they never knew ("买的时候没注意 也不知道是啥套餐"): nothing is on record.
    r"没注意|不知道是?(?:啥|什么)套餐|(?:啥|什么)套餐也不知道|卖家也?没说|别人帮(?:我)?办的"
    r"|no idea what plan",
)


def _starts_how(normalized: str) -> bool:
    """"How do I check when my card expires?" (or "… how to check") asks for the carrier's
    way, not for the list."""
    return _HOW_TO_CHECK.search(normalized) is not None
