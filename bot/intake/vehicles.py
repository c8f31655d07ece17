"""A car named by brand and model in the customer's words ("一汽马自达CX-4", "2016 Ford Fusion"), for a model
outside our own lineup: the opening already said which car it is, so the form does not ask again."""

from __future__ import annotations

import re

from bot.nlu.entities import extract_entities

_BRANDS_ZH = (
    "一汽大众|上汽大众|大众|一汽马自达|长安马自达|马自达|一汽丰田|广汽丰田|丰田|东风本田|广汽本田|本田|"
    "东风日产|日产|华晨宝马|宝马|北京奔驰|奔驰|一汽奥迪|奥迪|吉利|比亚迪|哈弗|长城|长安|领克|众泰|观致|"
    "别克|雪佛兰|凯迪拉克|福特|北京现代|现代|东风悦达起亚|起亚|标致|雪铁龙|荣威|名爵|奇瑞|传祺|五菱|宝骏|"
    "红旗|蔚来|理想|小鹏|特斯拉|沃尔沃|英菲尼迪|雷克萨斯|斯柯达|三菱|斯巴鲁|路虎|捷豹|启辰|北汽|江淮|"
    "魏牌|坦克|极氪|岚图|零跑|哪吒|欧拉|东南|海马|捷途|星途|林肯|Jeep|jeep"
)
_BRANDS_EN = (
    "Volkswagen|VW|Ford|Toyota|Honda|Nissan|Chevrolet|Chevy|Hyundai|Kia|Jeep|Dodge|Ram|Chrysler|BMW|"
    "Mercedes-Benz|Mercedes|Audi|Subaru|Mazda|Tesla|GMC|Buick|Cadillac|Lexus|Acura|Infiniti|Mitsubishi|"
    "Volvo|Lincoln|Genesis|Porsche|Fiat|Rivian|Skoda"
)
# A Latin/digit model ("CX-4", "T300", "3系", "PRO-dmi") or two Chinese characters and a suffix ("帝豪GL").
_MODEL_ZH = re.compile(
    rf"({_BRANDS_ZH})\s*([A-Za-z0-9][A-Za-z0-9\-+.]*(?:系|款)?|[\u4e00-\u9fff]{{2}}[A-Za-z0-9\-+]*)"
)
# The model as written after the brand: capitalised or a number ("Fusion", "ESCAPE", "3"), not "site".
_MODEL_EN = re.compile(rf"\b(?i:({_BRANDS_EN}))\s+([A-Z][A-Za-z0-9\-]{{1,15}}|[0-9][A-Za-z0-9\-]{{0,6}})\b")
# Words after a brand that are not a model ("丰田多个故障灯", "Ford dealer", "福特4S店").
_NOT_A_MODEL = re.compile(
    r"^(?:4s|店|车|车主|多|很|一直|经常|总是|新买|刚买|买|在|说|要|不|没|车辆|汽车|厂家|官方|客服|售后|经销商|行驶|多个|公司|品牌|销售|新车|的|在|给|对|和|"
    r"dealer|dealership|motor|motors|company|customer|service|vehicle|car|truck|and|the|was|is|has|had|"
    r"recall|corporate|would|will|did|does|to|for|of|in|on|at|with)",
    re.IGNORECASE,
)


def _starts_with_part(text: str) -> bool:
    """True when the words after the brand name a part ("宝马变速箱异响"), not a model."""
    return any(span.entity == "part" and span.start == 0 for span in extract_entities(text))


def named_model(text: str) -> str | None:
    """The brand and model the text names ("马自达CX-4", "Ford Fusion"), or None when it names none."""
    for pattern in (_MODEL_ZH, _MODEL_EN):
        for match in pattern.finditer(text or ""):
            brand, model = match.group(1), match.group(2).strip()
            after = text[match.start(2) :]
            if not model or _NOT_A_MODEL.match(model) or _starts_with_part(after):
                continue
            return f"{brand}{model}" if pattern is _MODEL_ZH else f"{brand.title()} {model.title()}"
    return None
