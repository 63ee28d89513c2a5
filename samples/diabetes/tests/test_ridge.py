"""Unit tests of the sample's ridge regression (standard library unittest, run by the CI stage)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import ridge  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "src", "data", "diabetes.csv")


class RidgeTest(unittest.TestCase):
    def setUp(self):
        self.rows = ridge.read_rows(DATA)

    def test_fits_the_diabetes_data_better_than_the_mean(self):
        model = ridge.fit(self.rows, 1.0)
        scores = ridge.scores(model, self.rows)
        self.assertGreater(scores["r2"], 0.4)
        self.assertLess(scores["mse"], 3500)

    def test_stronger_regularisation_fits_worse(self):
        weak = ridge.scores(ridge.fit(self.rows, 1.0), self.rows)
        strong = ridge.scores(ridge.fit(self.rows, 5000.0), self.rows)
        self.assertGreater(strong["mse"], weak["mse"])

    def test_predicts_a_plausible_value(self):
        model = ridge.fit(self.rows, 1.0)
        self.assertTrue(25 < ridge.predict(model, [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]) < 346)


if __name__ == "__main__":
    unittest.main()
