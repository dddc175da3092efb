"""规划指标的纯计算: formula parsing and evaluation, aggregation rules, attainment (no Django import)."""
