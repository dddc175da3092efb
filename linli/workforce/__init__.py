"""网格工作与社区工作者队伍: patrols, grid teams, grid tasks, the duty list and the workforce."""
