"""关爱巡访与政策找人: care groups as rules, care files, visits owed and done, referrals."""
