"""Pure computation of the services module (no Django import): schedules and slots, matching."""
