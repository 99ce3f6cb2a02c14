#!/usr/bin/env python3
"""verify.py recomputes every certified value from the .dat files with exact rational
arithmetic and checks it agrees with certified.csv to the digits NIST publishes."""
import csv
import os
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 50
HERE = os.path.dirname(os.path.abspath(__file__))
COUNTS = {"pidigits": 5000, "lottery": 218, "lew": 200, "mavro": 50, "michelso": 100,
          "numacc1": 3, "numacc2": 1001, "numacc3": 1001, "numacc4": 1001, "norris": 36}


def dec(q):
    return Decimal(q.numerator) / Decimal(q.denominator)


def univariate(y):
    n = len(y)
    mean = sum(y) / n
    ss = sum((v - mean) ** 2 for v in y)
    lag = sum((y[i] - mean) * (y[i - 1] - mean) for i in range(1, n)) / ss
    return {"mean": dec(mean), "stddev": dec(ss / (n - 1)).sqrt(), "autocorr_lag1": dec(lag)}


def regression(y, x):
    n = len(y)
    xb, yb = sum(x) / n, sum(y) / n
    sxx = sum((a - xb) ** 2 for a in x)
    syy = sum((b - yb) ** 2 for b in y)
    sxy = sum((a - xb) * (b - yb) for a, b in zip(x, y))
    slope = sxy / sxx
    ssr = syy - sxy * sxy / sxx
    rsd = dec(ssr / (n - 2)).sqrt()
    return {"slope": dec(slope), "intercept": dec(yb - slope * xb),
            "slope_stddev": rsd / dec(sxx).sqrt(),
            "intercept_stddev": rsd * dec(Fraction(1, n) + xb * xb / sxx).sqrt(),
            "residual_stddev": rsd, "r2": dec(1 - ssr / syy)}


def main():
    computed = {}
    for name, count in COUNTS.items():
        rows = [line.split() for line in open(os.path.join(HERE, name + ".dat")) if line.strip()]
        assert len(rows) == count, (name, len(rows), count)
        if name == "norris":
            computed[name] = regression([Fraction(r[0]) for r in rows], [Fraction(r[1]) for r in rows])
        else:
            computed[name] = univariate([Fraction(r[0]) for r in rows])
    bad = 0
    for row in csv.DictReader(open(os.path.join(HERE, "certified.csv"))):
        cert = Decimal(row["value"])
        got = computed[row["dataset"]][row["statistic"]]
        rel = abs(got - cert) / abs(cert)
        ok = rel < Decimal("1e-14")
        bad += not ok
        print(f"{row['dataset']:9s} {row['statistic']:17s} certified {cert:>22} exact {got:.17E} "
              f"{'ok' if ok else 'MISMATCH'}")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
