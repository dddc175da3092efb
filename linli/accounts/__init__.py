"""账号管理: staff and resident accounts managed in scope by the people in charge."""
