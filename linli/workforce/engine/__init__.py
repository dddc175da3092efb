"""The workforce module's rules in plain Python (no Django): tracks, patrol rules, grades, training
rotation and the 准入 decision for a department's task."""
