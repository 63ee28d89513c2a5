"""Splits the diabetes data into train and test sets (a seeded shuffle)."""
import argparse
import os
import random

import ridge

parser = argparse.ArgumentParser()
parser.add_argument("--raw_data", default=os.path.join(os.path.dirname(__file__), "data", "diabetes.csv"))
parser.add_argument("--test_fraction", type=float, default=0.2)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--train_data", required=True)
parser.add_argument("--test_data", required=True)
args = parser.parse_args()

raw = args.raw_data
if os.path.isdir(raw):
    raw = os.path.join(raw, sorted(f for f in os.listdir(raw) if f.endswith(".csv"))[0])
rows = ridge.read_rows(raw)
random.Random(args.seed).shuffle(rows)
cut = int(len(rows) * (1 - args.test_fraction))
os.makedirs(args.train_data, exist_ok=True)
os.makedirs(args.test_data, exist_ok=True)
ridge.write_rows(os.path.join(args.train_data, "train.csv"), rows[:cut])
ridge.write_rows(os.path.join(args.test_data, "test.csv"), rows[cut:])
print(f"prep: {cut} training rows, {len(rows) - cut} test rows")
