"""manage.py demo_load: load 泉州市洛江区 with a synthetic population (演示数据)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.demo_steps import run_steps
from linli.core.models import User
from linli.registry.demo import DEFAULT_SEED, DemoError, demo_accounts_ensure, demo_load
from linli.registry.models import Person

LABELS = [
    ("grids", "网格"),
    ("estates", "小区"),
    ("buildings", "楼栋"),
    ("natural_villages", "自然村"),
    ("houses", "自建房"),
    ("households", "户"),
    ("persons", "人员"),
    ("tags", "人员标签"),
    ("organisations", "组织"),
    ("staff", "工作人员"),
    ("trainings", "培训记录"),
]
PLANTED = [
    ("buildings_outside_grid", "位于网格边界外的楼栋"),
    ("buildings_without_households", "无住户的楼栋"),
    ("households_without_persons", "无成员的户"),
    ("persons_without_household", "未入户（未落格）的人员"),
    ("duplicate_id_persons", "与他人身份证号重复的人员"),
]


class Command(BaseCommand):
    help = "加载演示数据：泉州市洛江区（350504）的真实区划与合成的网格、楼栋、户、人员、组织和工作人员。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有人员数据时什么也不做")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
        parser.add_argument("--scale", type=float, default=1.0, help="人口规模倍数（1.0 ≈ 23 万人）")
        parser.add_argument(
            "--only-registry",
            action="store_true",
            help="只加载区划、网格、楼栋、户、人员、组织和工作人员，不运行各模块后续的演示步骤（备份恢复演练用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write("已有人员数据，跳过基础数据的演示加载（--if-empty）。")
        else:
            self._registry(options)
        if options["only_registry"]:
            self.stdout.write(
                self.style.SUCCESS("只加载了基础数据（--only-registry），各模块的演示步骤未运行。")
            )
            return
        # The modules' steps give the demo accounts' own community its work (the grid worker's patrols,
        # the community worker's meetings, the resident's bookings), so the accounts exist before them.
        if not User.objects.filter(username="jumin").exists():
            try:
                demo_accounts_ensure()
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write("已创建演示账号（各模块的演示数据要用到它们）。")
        for step, counts in run_steps(seed=options["seed"], log=self.stdout.write):
            if counts is None:
                self.stdout.write(f"{step.label}：已加载，跳过。")
                continue
            self.stdout.write(f"{step.label}：" + "，".join(f"{k} {v:,}" for k, v in counts.items()))
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))

    def _registry(self, options: dict[str, Any]) -> None:
        self.stdout.write(
            f"正在加载演示数据：泉州市洛江区，种子 {options['seed']}，规模 {options['scale']:g}…"
        )
        try:
            result = demo_load(seed=options["seed"], scale=options["scale"], log=self.stdout.write)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        d = result.divisions
        self.stdout.write(
            f"区划：新建 {d.get('created', 0)}，更名 {d.get('renamed', 0)}，未变 {d.get('unchanged', 0)}"
        )
        for key, label in LABELS:
            self.stdout.write(f"{label}：{result.counts.get(key, 0):,}")
        self.stdout.write("为“四个不漏”核查预置的问题数据：")
        for key, label in PLANTED:
            self.stdout.write(f"  {label}：{len(result.planted.get(key, []))}")
        self.stdout.write(self.style.SUCCESS(f"演示数据加载完成，用时 {result.seconds:.1f} 秒。"))
