"""志愿服务与时间银行: volunteers, teams, activities, service hours, star levels, proofs, time bank."""
