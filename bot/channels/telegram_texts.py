"""What the Telegram channel says itself (commands, unsupported messages, photos), in Chinese and English."""

from __future__ import annotations

from bot.constants import Language

ZH, EN = Language.ZH.value, Language.EN.value

WELCOME = (
    "您好!我是一汽-大众售后服务助手。请直接告诉我您遇到的问题(例如维修、收费、车辆故障、服务态度),"
    "也可以咨询保养和保修,或请求道路救援。可以发送文字或照片。\n"
    "输入 /lang 切换语言,/help 查看帮助。\n\n"
    "Hello! I'm the FAW-Volkswagen after-sales assistant. Tell me what went wrong (a repair, a bill, a fault "
    "of the car, how you were treated), ask about maintenance and warranty, or call for roadside assistance. "
    "You can send text or photos.\n"
    "Type /lang to switch language, /help for help."
)

HELP = (
    "我可以:\n"
    "• 受理投诉(维修质量、收费争议、车辆质量、服务态度)并生成工单号\n"
    "• 解答保养和保修问题\n"
    "• 安排道路救援(可直接发送您的位置)\n"
    "• 查询工单进度(提供工单号和手机号)\n"
    "可发送照片作为凭证,也可分享手机号和位置。命令:/start 欢迎,/help 帮助,/lang 切换语言。\n\n"
    "I can:\n"
    "• take a complaint (repair quality, billing, a fault of the car, staff) and give you a ticket number\n"
    "• answer maintenance and warranty questions\n"
    "• arrange roadside assistance (you can share your location)\n"
    "• tell you where a ticket stands (ticket number and phone)\n"
    "Send photos as evidence, or share your phone number and location. Commands: /start welcome, "
    "/help help, /lang switch language."
)

LANGUAGE_PROMPT = "请选择语言 / Choose your language:"
LANGUAGE_BUTTONS = (("中文", ZH), ("English", EN))
LANGUAGE_SET = {
    ZH: "好的,接下来我会用中文回复您。",
    EN: "OK, I'll answer in English from now on.",
}

UNSUPPORTED = (
    "抱歉,我暂时只能处理文字和照片,请用文字描述您的问题或发送照片。\n"
    "Sorry, I can only read text and photos. Please describe your issue in text or send a photo."
)

PHOTO_SAVED = {
    ZH: "照片已收到并保存,会附在您的工单上,客服人员可以查看。",
    EN: "Photo received and saved; it goes with your ticket so our staff can see it.",
}
PHOTO_FAILED = {
    ZH: "抱歉,照片没有保存成功,请稍后再发一次。",
    EN: "Sorry, the photo could not be saved. Please send it again in a moment.",
}

BUTTON_EXPIRED = (
    "这个按钮已失效,请直接输入您的回答。 / This button is no longer valid; please type your answer."
)

LOCATION_TEXT = {
    ZH: "我的位置:{place}纬度 {latitude:.6f},经度 {longitude:.6f}",
    EN: "My location: {place}latitude {latitude:.6f}, longitude {longitude:.6f}",
}
