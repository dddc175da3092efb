from linli.core.context import FLAT_NAV_MAX, nav_groups

# The menu each module registers its entries under (``register_nav(section, group=…)``).
GROUP_OF = {
    "regions:tree": "基础数据",
    "registry:persons": "基础数据",
    "facilities:list": "设施与生活圈",
    "lifecircle:map": "设施与生活圈",
    "cases:queue": "诉求办理",
    "cases:intake": "诉求办理",
    "cases:report": "诉求办理",
    "services:staff": "服务与预约",
    "services:directory": "服务与预约",
}


def test_a_short_bar_stays_flat():
    nav = [("home", "首页"), ("cases:report", "我要反映"), ("services:directory", "预约服务")]
    assert nav_groups(nav, GROUP_OF) == [("", [entry]) for entry in nav]


def test_a_long_bar_gets_one_menu_per_module_in_first_appearance_order():
    nav = [
        ("home", "首页"),
        ("regions:tree", "区划网格"),
        ("registry:persons", "人员"),
        ("facilities:list", "服务设施"),
        ("lifecircle:map", "生活圈"),
        ("cases:queue", "诉求办理"),
        ("cases:intake", "来电来访登记"),
        ("services:staff", "服务清单"),
        ("audit_log", "审计日志"),
    ]
    assert len(nav) > FLAT_NAV_MAX
    assert nav_groups(nav, GROUP_OF) == [
        ("", [("home", "首页")]),
        ("基础数据", [("regions:tree", "区划网格"), ("registry:persons", "人员")]),
        ("设施与生活圈", [("facilities:list", "服务设施"), ("lifecircle:map", "生活圈")]),
        ("诉求办理", [("cases:queue", "诉求办理"), ("cases:intake", "来电来访登记")]),
        ("服务与预约", [("services:staff", "服务清单")]),
        ("", [("audit_log", "审计日志")]),
    ]
