#!/usr/bin/python3
"""prom-samples.py - a Prometheus text page as flat lines, read by
python3-prometheus-client's own parser (an independent reader of what
authmilter serves at /metrics).

    prom-samples.py < page

prints one line per family, "TYPE FAMILY TYPE", then one line per
sample, "SAMPLE NAME{k=v,k=v} VALUE" with the labels sorted by name
(values as the parser gives them; integers without ".0").  A page the
parser refuses exits 1 with its error on stderr.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def main():
    try:
        families = list(text_string_to_metric_families(sys.stdin.read()))
    except Exception as e:  # the parser's own error, whatever its class
        sys.stderr.write("prom-samples: %s\n" % e)
        return 1
    for f in families:
        print("TYPE %s %s" % (f.name, f.type))
        for s in f.samples:
            labels = ",".join("%s=%s" % (k, s.labels[k])
                              for k in sorted(s.labels))
            print("SAMPLE %s{%s} %s" % (s.name, labels, number(s.value)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
