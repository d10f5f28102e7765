"""Demo quality specifications (质量指标) for `seed_demo`: one grade per demo commodity, as the demo
deals sell them (bulksales/demo/pipeline.py TERMS), two for thermal coal (the imported NAR 5500 and
the domestic Q5500), with typical values, rejection limits and price rules as traders write them."""

from decimal import Decimal

from customers.models import Commodity
from pipeline.models import MOISTURE, PriceRule, Specification, SpecParameter

D = Decimal
DRY, WET = Specification.PriceBasis.DRY, Specification.PriceBasis.WET
PRO_RATA, PER_STEP = PriceRule.Kind.PRO_RATA, PriceRule.Kind.PER_STEP
BELOW, ABOVE = PriceRule.Side.BELOW, PriceRule.Side.ABOVE

# commodity: [(grade, Chinese grade, price basis,
#   [(code, name, Chinese name, unit, typical, reject below, reject above)],
#   [(code, kind, basis or threshold, side, step, amount per tonne, a started step counts whole)])]
SPECIFICATIONS = {
    "Thermal coal": [
        ("NAR 5500 kcal/kg", "NAR 5500 大卡", WET, [
            ("nar", "Net calorific value (NAR)", "收到基低位发热量", "kcal/kg", D(5500), D(5000), None),
            (MOISTURE, "Total moisture (ARB)", "全水分", "%", D(12), None, D(15)),
            ("sulphur", "Total sulphur (ARB)", "全硫", "%", D("0.6"), None, D("0.8")),
            ("ash", "Ash (ARB)", "灰分", "%", D(12), None, D(15)),
            ("vm", "Volatile matter (ARB)", "挥发分", "%", D(28), None, None),
        ], [
            ("nar", PRO_RATA, D(5500), BELOW, D(1), D(0), False),
            ("sulphur", PER_STEP, D("0.6"), ABOVE, D("0.1"), D("-1.00"), True),
            ("ash", PER_STEP, D(12), ABOVE, D(1), D("-0.50"), False),
        ]),
        ("Q5500 电煤", "Q5500 电煤", WET, [
            ("qnet", "Net calorific value (Qnet,ar)", "收到基低位发热量", "kcal/kg", D(5500), D(5000), None),
            (MOISTURE, "Total moisture (Mt)", "全水分", "%", D(12), None, D(15)),
            ("sulphur", "Total sulphur (St,ar)", "全硫", "%", D("0.8"), None, D("1.0")),
            ("ash", "Ash (Aar)", "灰分", "%", D(15), None, D(20)),
            ("vm", "Volatile matter (Vdaf)", "挥发分", "%", D(30), D(24), None),
        ], [
            ("qnet", PRO_RATA, D(5500), BELOW, D(1), D(0), False),
            ("sulphur", PER_STEP, D("0.8"), ABOVE, D("0.1"), D("-10.00"), True),
        ]),
    ],
    "Coking coal": [
        ("Premium HCC", "优质主焦煤 Premium HCC", WET, [
            ("csr", "Coke strength after reaction (CSR)", "反应后强度", "%", D(67), D(60), None),
            ("ash", "Ash (ADB)", "灰分", "%", D("9.3"), None, D("10.5")),
            ("sulphur", "Sulphur (ADB)", "硫分", "%", D("0.5"), None, D("0.8")),
            ("vm", "Volatile matter (ADB)", "挥发分", "%", D("21.5"), D(18), D(26)),
            (MOISTURE, "Total moisture (ARB)", "全水分", "%", D("9.5"), None, D(11)),
        ], [
            ("csr", PER_STEP, D(65), BELOW, D(1), D("-1.50"), False),
            ("ash", PER_STEP, D("9.5"), ABOVE, D(1), D("-3.00"), False),
            ("sulphur", PER_STEP, D("0.6"), ABOVE, D("0.1"), D("-1.50"), True),
        ]),
    ],
    "Iron ore fines": [
        ("Fe 62%", "Fe 62% 粉矿", DRY, [
            ("fe", "Iron (Fe)", "铁", "%", D(62), D(60), None),
            ("sio2", "Silica (SiO2)", "二氧化硅", "%", D("4.5"), None, D("6.5")),
            ("al2o3", "Alumina (Al2O3)", "三氧化二铝", "%", D("2.3"), None, D("3.5")),
            ("p", "Phosphorus (P)", "磷", "%", D("0.09"), None, D("0.12")),
            (MOISTURE, "Moisture", "水分", "%", D(8), None, D(10)),
        ], [
            ("fe", PER_STEP, D(62), BELOW, D(1), D("-1.50"), False),
            ("fe", PER_STEP, D(62), ABOVE, D(1), D("1.50"), False),
            ("sio2", PER_STEP, D("4.5"), ABOVE, D("0.1"), D("-0.10"), True),
            ("al2o3", PER_STEP, D("2.5"), ABOVE, D("0.1"), D("-0.15"), True),
            ("p", PER_STEP, D("0.09"), ABOVE, D("0.01"), D("-0.50"), True),
        ]),
    ],
    "Iron ore pellets": [
        ("Fe 65% DR grade", "Fe 65% 直接还原球团", DRY, [
            ("fe", "Iron (Fe)", "铁", "%", D(65), D(63), None),
            ("sio2", "Silica (SiO2)", "二氧化硅", "%", D("2.0"), None, D("3.0")),
            ("al2o3", "Alumina (Al2O3)", "三氧化二铝", "%", D("0.5"), None, D("1.0")),
            ("p", "Phosphorus (P)", "磷", "%", D("0.03"), None, D("0.05")),
            ("ccs", "Cold crushing strength", "抗压强度", "kg/pellet", D(280), D(250), None),
            (MOISTURE, "Moisture", "水分", "%", D(2), None, D(4)),
        ], [
            ("fe", PER_STEP, D(65), BELOW, D(1), D("-2.00"), False),
            ("sio2", PER_STEP, D("2.0"), ABOVE, D("0.1"), D("-0.20"), True),
        ]),
    ],
    "Soybeans": [
        ("GMO, protein 34% min", "转基因大豆，蛋白质 ≥34%", WET, [
            ("protein", "Crude protein (dry basis)", "粗蛋白（干基）", "%", D(35), D(33), None),
            ("oil", "Oil content", "含油量", "%", D(19), D(17), None),
            (MOISTURE, "Moisture", "水分", "%", D(13), None, D(14)),
            ("foreign", "Foreign matter", "杂质", "%", D(1), None, D(2)),
            ("damaged", "Damaged kernels", "损伤粒", "%", D(3), None, D(8)),
        ], [
            ("protein", PER_STEP, D(34), BELOW, D(1), D("-4.00"), False),
            (MOISTURE, PER_STEP, D(13), ABOVE, D(1), D("-4.50"), False),
            ("foreign", PER_STEP, D(1), ABOVE, D(1), D("-4.50"), False),
        ]),
    ],
    "Corn": [
        ("US No.2 yellow", "美国 2 号黄玉米", WET, [
            (MOISTURE, "Moisture", "水分", "%", D("14.5"), None, D(15)),
            ("bcfm", "Broken corn and foreign material", "破碎粒及杂质", "%", D(2), None, D(3)),
            ("damaged", "Damaged kernels", "损伤粒", "%", D(3), None, D(5)),
            ("test_weight", "Test weight", "容重", "lb/bu", D(56), D(54), None),
            ("aflatoxin", "Aflatoxin", "黄曲霉毒素", "ppb", D(5), None, D(20)),
        ], [
            (MOISTURE, PER_STEP, D("14.5"), ABOVE, D("0.5"), D("-2.00"), True),
            ("bcfm", PER_STEP, D(2), ABOVE, D(1), D("-1.00"), False),
        ]),
    ],
    "Wheat": [
        ("APW, protein 10.5%", "澳大利亚标准白麦 APW，蛋白质 10.5%", WET, [
            ("protein", "Protein (11% moisture basis)", "蛋白质（11% 水分基）", "%", D("10.5"), D(10), None),
            (MOISTURE, "Moisture", "水分", "%", D(11), None, D("12.5")),
            ("test_weight", "Test weight", "容重", "kg/hl", D(78), D(74), None),
            ("falling_number", "Falling number", "降落数值", "s", D(350), D(300), None),
            ("screenings", "Screenings", "筛下物", "%", D(3), None, D(5)),
        ], [
            ("protein", PER_STEP, D("10.5"), BELOW, D("0.1"), D("-1.00"), True),
        ]),
    ],
    "Urea": [
        ("Granular, N 46%", "大颗粒尿素，总氮 46%", WET, [
            ("n", "Total nitrogen (N)", "总氮", "%", D("46.3"), D(46), None),
            ("biuret", "Biuret", "缩二脲", "%", D("0.9"), None, D(1)),
            (MOISTURE, "Moisture", "水分", "%", D("0.3"), None, D("0.5")),
            ("size", "Granules 2-4 mm", "粒度 2-4 毫米", "%", D(93), D(90), None),
        ], [
            ("n", PER_STEP, D("46.3"), BELOW, D("0.1"), D("-5.00"), True),
        ]),
    ],
    "Cement clinker": [
        ("OPC grade", "普通硅酸盐水泥熟料", WET, [
            ("cao", "Calcium oxide (CaO)", "氧化钙", "%", D(65), D(62), None),
            ("mgo", "Magnesium oxide (MgO)", "氧化镁", "%", D("2.5"), None, D(5)),
            ("so3", "Sulphur trioxide (SO3)", "三氧化硫", "%", D("0.8"), None, D("1.5")),
            ("free_lime", "Free lime (f-CaO)", "游离氧化钙", "%", D("1.0"), None, D("1.5")),
            ("c3s", "Tricalcium silicate (C3S)", "硅酸三钙", "%", D(58), D(55), None),
            ("loi", "Loss on ignition", "烧失量", "%", D("0.5"), None, D(1)),
        ], [
            ("free_lime", PER_STEP, D("1.0"), ABOVE, D("0.1"), D("-0.50"), True),
        ]),
    ],
    "Bauxite": [
        ("Al2O3 45%", "Al2O3 45% 铝土矿", DRY, [
            ("al2o3", "Total alumina (Al2O3)", "三氧化二铝", "%", D(45), D(42), None),
            ("sio2", "Reactive silica (SiO2)", "活性二氧化硅", "%", D("2.5"), None, D(4)),
            ("fe2o3", "Iron oxide (Fe2O3)", "三氧化二铁", "%", D(25), None, None),
            (MOISTURE, "Free moisture", "水分", "%", D(10), None, D(12)),
        ], [
            ("al2o3", PER_STEP, D(45), BELOW, D(1), D("-1.00"), False),
            ("al2o3", PER_STEP, D(45), ABOVE, D(1), D("1.00"), False),
            ("sio2", PER_STEP, D("2.5"), ABOVE, D(1), D("-1.50"), False),
        ]),
    ],
    "Steel scrap": [
        ("HMS 1&2 80:20", "重废 HMS 1&2 80:20", WET, [
            ("hms1", "HMS 1 share", "HMS 1 占比", "%", D(80), D(70), None),
            ("foreign", "Non-metallic and foreign matter", "非金属及杂质", "%", D("0.5"), None, D(1)),
            ("oversize", "Over 1.5 x 0.5 m", "超尺寸（1.5 x 0.5 米以上）", "%", D(1), None, D(5)),
            ("cu", "Copper (Cu)", "铜", "%", D("0.2"), None, D("0.3")),
        ], [
            ("hms1", PER_STEP, D(80), BELOW, D(1), D("-1.50"), False),
            ("foreign", PER_STEP, D("0.5"), ABOVE, D("0.1"), D("-2.00"), True),
        ]),
    ],
}


def seed_specifications() -> None:
    """Each demo commodity's grades; a grade already there is left as it is (the seeder runs twice)."""
    commodities = {commodity.name: commodity for commodity in Commodity.objects.filter(name__in=SPECIFICATIONS)}
    for commodity_name, grades in SPECIFICATIONS.items():
        commodity = commodities.get(commodity_name)
        if commodity is None:
            continue
        for name, name_zh, basis, parameters, rules in grades:
            spec, created = Specification.objects.get_or_create(
                commodity=commodity, name=name, defaults={"name_zh": name_zh, "price_basis": basis})
            if not created:
                continue
            by_code = {}
            for position, (code, label, label_zh, unit, typical, minimum, maximum) in enumerate(parameters, start=1):
                by_code[code] = SpecParameter.objects.create(
                    specification=spec, code=code, name=label, name_zh=label_zh, unit=unit, typical=typical,
                    minimum=minimum, maximum=maximum, position=position)
            PriceRule.objects.bulk_create(
                PriceRule(specification=spec, parameter=by_code[code], kind=kind, basis=basis_value, side=side,
                          step=step, amount=amount, whole_steps=whole)
                for code, kind, basis_value, side, step, amount, whole in rules)


def specifications_by_grade() -> dict[tuple[str, str], int]:
    """(commodity name, grade) -> the specification's id, for the deal seeders."""
    return {(commodity, name): pk for commodity, name, pk in
            Specification.objects.values_list("commodity__name", "name", "pk")}
