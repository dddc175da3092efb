"""The life-circle engine: walking networks, access, coverage and siting, in numpy/scipy only.

Nothing here imports Django: the app feeds arrays in and stores what comes out.
"""
