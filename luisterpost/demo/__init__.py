"""The bundled demo stream: generated Dutch mentions, scenario threads, sources, and `luisterpost demo`."""
