"""Training and model studies: the corpus and real data sets, training, evaluation, operating points."""
