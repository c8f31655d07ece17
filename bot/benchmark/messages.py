"""A realistic bilingual message mix: short scripted conversations as customers write them."""

from __future__ import annotations

# Each conversation is sent message by message by one customer; the bot's questions are not read
# (that is what bot.benchmark.intake does), so answers arrive in a plausible but fixed order.
CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    (
        "你好",
        "我的帕萨特上周五在成都南4S店修空调，报价200结果收了1000",
        "13812345678",
        "跳过",
        "对，提交",
    ),
    (
        "hi there",
        "Took my Magotan in for the blower motor on Nov 3rd and it's rattling again",
        "my number is 13912345678",
        "Chengdu South 4S",
        "skip",
        "thanks, bye",
    ),
    (
        "hello，在吗",
        "DSG 修完还是 jerky，白跑一趟",
        "我的 phone 是 135 7777 8888",
        "车是 Sagitar，上周三去的",
        "不知道，skip 吧",
    ),
    (
        "您好，請問有人在嗎",
        "我的邁騰變速箱修了兩次還是頓挫很嚴重",
        "我的電話是13812340000",
        "在廣州駿佳4S店修的",
        "不記得了",
    ),
    (
        "多久保养一次？",
        "三包期内可以换车吗",
        "how often should I service my Tiguan?",
        "is the battery of an ID.4 under warranty?",
        "谢谢",
    ),
    (
        "查一下CMP-2026-000342",
        "我手机号13912398765",
        "好的，谢谢",
    ),
    (
        "车在高速上抛锚了，快来救援",
        "我在京港澳高速长沙段",
        "电话18981234567",
        "车牌湘A12345",
    ),
    (
        "the service advisor at Hangzhou Zhongda 4S was really rude to me",
        "I'm on 13600001111",
        "it was on Nov 6th",
        "Tayron",
        "skip",
    ),
    (
        "发票上的金额是¥3,680，服务顾问口头说只要两千块",
        "途观L",
        "15912345678",
        "西安华中大众，11月16号",
        "我姓李",
    ),
    (
        "你是机器人吗",
        "转人工",
        "好的谢谢",
    ),
    (
        "my Lavida shudders when shifting from 1st to 2nd, only 8,000 km on the clock",
        "VIN LSVNV6188P2031846",
        "call me on 15067891234",
        "no thanks",
    ),
    (
        "早安，新車的引擎怠速抖得很厲害",
        "車架號LFV3A28W5K3095602",
        "里程大概五萬公里",
        "謝謝",
    ),
)


def parse_texts() -> list[str]:
    """Every message of the mix, in order (for /model/parse, which has no conversations)."""
    return [text for conversation in CONVERSATIONS for text in conversation]
