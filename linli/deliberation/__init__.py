"""议事协商与村(居)务公开: topics, procedures, meetings, votes, resolutions and the notice board."""
