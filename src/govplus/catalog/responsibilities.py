"""责任清单: the duties and the accountability of each administrative power, by the kind of power.

A licensing organ, a penalising organ and an organ applying a compulsory measure owe different duties
and answer for different failings, each under its own law:
- 行政许可 — 《中华人民共和国行政许可法》: publish what is needed (第三十条), accept or refuse with
  reasons and notify all missing materials at once (第三十二条), examine (第三十四条), hear interested
  parties (第三十六条), decide in writing with reasons and remedies (第三十八条) within the limit
  (第四十二条), issue the licence within 10 days (第四十四条), supervise (第六十一条); liability
  第七十二条至第七十七条.
- 行政处罚 — 《中华人民共和国行政处罚法》: file the case (第五十四条), investigate with two officers
  showing their credentials (第四十二条、第五十五条), review and legal check (第五十七条、第五十八条),
  notify the facts and rights and hear the defence (第四十四条、第四十五条) or hold a hearing
  (第六十三条), decide in writing (第五十九条) within 90 days of filing (第六十条), serve within 7 days
  (第六十一条), enforce (第六十六条起); liability 第七十六条至第八十三条.
- 行政强制 — 《中华人民共和国行政强制法》: report to and be approved by the head of the organ
  (第十八条、第十九条), carry out by two officers with the party present, record on the spot
  (第十八条), a written decision and inventory (第二十四条), at most 30 days plus 30 (第二十五条),
  keep the goods safe and use none of them (第二十六条), decide and release in time (第二十七条、
  第二十八条); liability 第六十一条至第六十八条.
- 行政检查: the inspection rules of the item's own basis and the State Council's 《关于加强和规范事中
  事后监管的指导意见》 (双随机、一公开).
- 行政确认, 行政给付, 行政征收 and the other powers follow their own basis; the duties below are the
  common ones of each kind.
Each entry is filled in for the item: its name, its time limits, and its own legal basis.
"""

from __future__ import annotations

from dataclasses import dataclass

from govplus.catalog.models import ItemType, ServiceItem

LICENSING_DUTIES = [
    (
        "受理责任",
        "公示“{name}”的依据、条件、数量、程序、期限以及需要提交的全部材料目录和申请书示范文本（《行政许可法》第三十条）；"
        "申请材料不齐全或不符合法定形式的，当场或者在{acceptance}个工作日内一次性告知申请人需要补正的全部内容；"
        "依法受理或者不予受理，不予受理的出具书面凭证并说明理由（第三十二条）。",
    ),
    (
        "审查责任",
        "对申请材料的实质内容进行审查，需要核实的指派两名以上工作人员进行核查（第三十四条）；"
        "许可事项直接关系他人重大利益的，告知利害关系人并听取其陈述和申辩（第三十六条）。",
    ),
    (
        "决定责任",
        "在{statutory}（承诺{promised}）作出准予或者不予许可的书面决定；不能按期作出的，"
        "经本机关负责人批准可延长并告知理由（第四十二条）；不予许可的，说明理由并告知申请人依法申请行政复议"
        "或者提起行政诉讼的权利（第三十八条）。",
    ),
    (
        "送达责任",
        "自作出准予许可决定之日起10日内向申请人颁发、送达“{result}”（第四十四条），并依法公开许可结果。",
    ),
    (
        "事后监管责任",
        "对被许可人从事许可事项的活动进行监督检查，核查反映其活动情况的材料；发现违法行为的依法处理，"
        "不再具备许可条件的依法撤回、撤销或者注销许可（第六十一条、第六十九条、第七十条）。",
    ),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
LICENSING_ACCOUNTABILITY = (
    "对符合法定条件的申请不予受理、不予准予许可或者不在法定期限内作出准予许可决定的；对不符合法定条件的申请人准予许可"
    "或者超越法定职权作出准予许可决定的；不在办公场所公示依法应当公示的材料的；未一次性告知申请人必须补正的全部内容的；"
    "不依法说明不受理申请或者不予许可理由的；依法应当举行听证而不举行的；索取或者收受他人财物或者谋取其他利益的；"
    "不依法履行监督职责或者监督不力造成严重后果的，依照《行政许可法》第七十二条至第七十七条追究责任。"
)

PENALTY_DUTIES = [
    (
        "立案责任",
        "对发现、投诉、举报、移送的涉嫌“{name}”所指违法行为进行核查，符合立案标准的及时立案（《行政处罚法》第五十四条）；"
        "不予立案的记录理由。",
    ),
    (
        "调查取证责任",
        "由两名以上具有行政执法资格的执法人员调查，主动出示执法证件（第四十二条、第五十五条）；全面、客观、公正地收集证据，"
        "依法询问、检查并制作笔录；执法人员与案件有直接利害关系的应当回避（第四十三条）。",
    ),
    (
        "审查责任",
        "调查终结后，对案件事实、证据、程序、法律适用和处罚裁量进行审查（第五十七条）；"
        "涉及重大公共利益、直接关系当事人重大权益或者案情复杂的，作出决定前进行法制审核（第五十八条）。",
    ),
    (
        "告知责任",
        "作出处罚决定前，书面告知当事人拟作出的处罚内容及事实、理由、依据，以及陈述、申辩权（第四十四条）；"
        "充分听取当事人意见，不得因当事人陈述、申辩而给予更重的处罚（第四十五条）；"
        "拟作较大数额罚款、没收较大数额违法所得或非法财物、责令停产停业等的，告知当事人有要求听证的权利（第六十三条）。",
    ),
    (
        "决定责任",
        "根据不同情况作出给予处罚、不予处罚或移送司法机关的决定，制作载明事实、依据、种类、期限及救济途径的处罚决定书"
        "（第五十七条、第五十九条）；自立案之日起九十日内作出决定（第六十条）。",
    ),
    (
        "送达责任",
        "处罚决定书当场交付当事人；当事人不在场的，在七日内依照《民事诉讼法》的有关规定送达（第六十一条），并依法公示处罚信息。",
    ),
    (
        "执行责任",
        "监督当事人履行处罚决定；罚款决定与收缴罚款分离，当事人逾期不履行的依法加处罚款或者申请人民法院强制执行"
        "（第六十七条、第七十二条）。",
    ),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
PENALTY_ACCOUNTABILITY = (
    "没有法定的处罚依据、擅自改变处罚种类和幅度、违反法定的处罚程序，或者违反委托处罚规定的；"
    "执行罚款、没收财物不出具法定票据的；违法使用或者损毁扣押的财物的；截留、私分或者变相私分罚款、没收的违法所得或者财物的；"
    "利用职务之便索取或者收受他人财物的；应当依法移交司法机关追究刑事责任而不移交、以行政处罚代替刑事处罚的；"
    "对应当予以制止和处罚的违法行为不予制止、处罚，致使公民、法人或者其他组织的合法权益、公共利益和社会秩序遭受损害的，"
    "依照《行政处罚法》第七十六条至第八十三条追究责任。"
)

ENFORCEMENT_DUTIES = [
    (
        "审批责任",
        "实施“{name}”前向本机关负责人报告并经批准；情况紧急需要当场实施的，在二十四小时内补办批准手续"
        "（《行政强制法》第十八条、第十九条）。",
    ),
    (
        "实施责任",
        "由两名以上行政执法人员实施，出示执法身份证件；通知当事人到场，当场告知采取强制措施的理由、依据以及当事人依法享有的权利、"
        "救济途径，听取当事人的陈述和申辩；制作现场笔录，由当事人和执法人员签名或者盖章（第十八条）。",
    ),
    (
        "决定送达责任",
        "制作并当场交付查封、扣押决定书和清单，载明理由、依据、物品名称数量、期限及救济途径（第二十四条）；"
        "查封、扣押限于涉案的场所、设施或者财物，不得查封、扣押与违法行为无关的财物（第二十三条）。",
    ),
    (
        "期限责任",
        "查封、扣押的期限不超过三十日；情况复杂的，经本机关负责人批准可以延长，延长期限不超过三十日，并书面告知当事人"
        "（第二十五条）。",
    ),
    (
        "保管责任",
        "妥善保管查封、扣押的场所、设施或者财物，不得使用或者损毁；造成损失的，依法承担赔偿责任（第二十六条）。",
    ),
    (
        "处理责任",
        "及时查清事实，在期限内作出没收、销毁或者解除查封、扣押的决定；解除的立即退还财物（第二十七条、第二十八条）。",
    ),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
ENFORCEMENT_ACCOUNTABILITY = (
    "没有法律、法规依据实施行政强制的；改变行政强制对象、条件、方式的；违反法定程序实施行政强制的；"
    "在夜间或者法定节假日实施行政强制执行的；扩大查封、扣押范围的；使用或者损毁查封、扣押场所、设施或者财物的；"
    "在查封、扣押法定期间不作出处理决定或者未依法及时解除查封、扣押的；截留、私分或者变相私分查封、扣押的财物的；"
    "利用职务上的便利将查封、扣押的财物据为己有的，依照《行政强制法》第六十一条至第六十八条追究责任。"
)

INSPECTION_DUTIES = [
    (
        "检查计划责任",
        "按照“双随机、一公开”要求制定“{name}”的年度检查计划，随机抽取检查对象、随机选派执法检查人员，公开抽查事项清单。",
    ),
    (
        "检查实施责任",
        "由两名以上执法人员实施检查，出示执法证件，告知检查依据和内容；依法查阅、复制有关资料，询问有关人员，制作检查记录；"
        "不得妨碍被检查单位正常的生产经营活动。",
    ),
    (
        "处置责任",
        "对检查中发现的违法行为，依法责令改正或者作出处理决定；属于其他部门职责的，及时移送并告知；涉嫌犯罪的移送司法机关。",
    ),
    ("信息公开责任", "检查结束后依法公开检查结果，并记入被检查单位的信用记录。"),
    ("保密责任", "对检查中知悉的商业秘密和个人信息依法保密。"),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
INSPECTION_ACCOUNTABILITY = (
    "不按规定实施检查或者选择性执法的；检查中玩忽职守、滥用职权、徇私舞弊的；对检查发现的违法行为不依法处理或者不移送的；"
    "泄露被检查单位商业秘密或者个人信息的；索取或者收受被检查单位财物的，依照本事项设定依据及有关法律法规追究责任。"
)

CONFIRMATION_DUTIES = [
    ("受理责任", "公示“{name}”的条件、材料和程序；材料不全的一次性告知补正内容；依法受理或者不予受理并说明理由。"),
    ("审查责任", "对申请材料和事实进行审查，需要核实的依法调查核实，必要时通过共享数据比对。"),
    (
        "确认责任",
        "在{statutory}（承诺{promised}）依法作出确认或者不予确认的决定，并办理登记、颁发“{result}”；"
        "不予确认的书面说明理由并告知救济途径。",
    ),
    ("送达及归档责任", "依法送达确认结果，确认信息及时归档并更新相关数据库。"),
    ("更正责任", "发现确认事项有误的，依法更正、撤销。"),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
PAYMENT_DUTIES = [
    (
        "受理责任",
        "公示“{name}”的对象、条件、标准和程序；材料不全的一次性告知补正内容；依法受理或者不予受理并说明理由。",
    ),
    ("审核责任", "对申请人资格和家庭经济状况等进行审核，依法开展信息核对、入户调查，需要公示的依法公示。"),
    (
        "决定责任",
        "在{statutory}（承诺{promised}）作出给付或者不予给付的决定；不予给付的书面说明理由并告知救济途径。",
    ),
    ("发放责任", "按照规定的标准和时限足额发放，不得截留、挤占、挪用。"),
    ("动态管理责任", "定期复核给付对象的条件，不再符合条件的依法停止给付；对骗取给付的依法追回。"),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
COLLECTION_DUTIES = [
    ("公示责任", "公示“{name}”的征收依据、对象、范围、标准和程序。"),
    ("征收责任", "依照法律、行政法规规定的标准和期限征收，不得多征、少征、提前征收、延缓征收或者摊派。"),
    ("减免及退还责任", "依法办理减免和退还，对多缴的款项及时退还。"),
    ("告知及救济责任", "作出征收决定的，告知当事人事实、依据及申请行政复议或者提起行政诉讼的权利。"),
    ("保密责任", "对征收中知悉的个人信息和商业秘密依法保密。"),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
OTHER_DUTIES = [
    ("受理责任", "公示“{name}”的条件、材料和程序；材料不全的一次性告知补正内容；依法受理或者不予受理并说明理由。"),
    ("审查责任", "对申请材料进行审查，提出审查意见。"),
    ("决定责任", "在{statutory}（承诺{promised}）依法作出决定；不予办理的书面说明理由并告知救济途径。"),
    ("送达责任", "依法送达办理结果，按规定公开。"),
    ("事后监管责任", "依法对办理结果的使用开展监督，发现违法行为依法处理。"),
    ("其他责任", "法律、法规、规章规定应当履行的其他责任。"),
]
GENERAL_ACCOUNTABILITY = (
    "对符合条件的申请不予受理、不予办理或者不在法定期限内办结的；对不符合条件的予以办理的；不履行一次性告知义务的；"
    "不依法说明理由的；违反法定程序的；截留、挪用、私分资金或者财物的；索取或者收受他人财物、谋取其他利益的；"
    "泄露个人信息或者商业秘密的，依照本事项设定依据及《中华人民共和国公职人员政务处分法》等规定追究责任。"
)

_BY_TYPE: dict[str, tuple[list[tuple[str, str]], str, str]] = {
    ItemType.LICENSING: (LICENSING_DUTIES, LICENSING_ACCOUNTABILITY, "《中华人民共和国行政许可法》"),
    ItemType.PENALTY: (PENALTY_DUTIES, PENALTY_ACCOUNTABILITY, "《中华人民共和国行政处罚法》"),
    ItemType.ENFORCEMENT: (ENFORCEMENT_DUTIES, ENFORCEMENT_ACCOUNTABILITY, "《中华人民共和国行政强制法》"),
    ItemType.INSPECTION: (
        INSPECTION_DUTIES,
        INSPECTION_ACCOUNTABILITY,
        "《国务院关于加强和规范事中事后监管的指导意见》（国发〔2019〕18号）",
    ),
    ItemType.CONFIRMATION: (CONFIRMATION_DUTIES, GENERAL_ACCOUNTABILITY, ""),
    ItemType.PAYMENT: (PAYMENT_DUTIES, GENERAL_ACCOUNTABILITY, ""),
    ItemType.COLLECTION: (COLLECTION_DUTIES, GENERAL_ACCOUNTABILITY, ""),
}


@dataclass(frozen=True)
class ResponsibilityEntry:
    item: ServiceItem
    responsibilities: list[tuple[str, str]]
    accountability: str
    basis: str  # the item's own legal basis, then the law that governs its kind of power


def responsibilities_for(item: ServiceItem) -> ResponsibilityEntry:
    """The duties and accountability of one power, by its kind, filled in with its own facts."""
    duties, accountability, law = _BY_TYPE.get(item.item_type, (OTHER_DUTIES, GENERAL_ACCOUNTABILITY, ""))
    facts = {
        "name": item.name,
        "acceptance": item.acceptance_limit_days,
        "statutory": f"法定期限{item.statutory_limit_days}个工作日内" if item.statutory_limit_days else "法定期限内",
        "promised": f"{item.promised_limit_days}个工作日" if item.promised_limit_days else "即办",
        "result": item.result_name or item.get_result_type_display(),
    }
    basis = item.legal_basis.strip()
    if law and law not in basis:
        basis = f"{basis}；{law}" if basis else law
    return ResponsibilityEntry(
        item=item,
        responsibilities=[(name, text.format(**facts)) for name, text in duties],
        accountability=accountability,
        basis=basis,
    )
