#!/usr/bin/env python3
"""Validates generated outputs against their JSON schemas with an independent validator (jsonschema).

Input: a JSON-lines file, one {"schema": ..., "output": "<text the model generated>"} per line.
Prints one line per invalid output and a summary; exits 1 if any output does not parse or validate.
"""
import json
import sys

import jsonschema


def main(path):
    total = 0
    bad = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            total += 1
            try:
                instance = json.loads(case["output"])
                jsonschema.validate(instance, case["schema"])
            except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError) as e:
                bad += 1
                print(f"case {total - 1}: {type(e).__name__}: {str(e).splitlines()[0]}")
                print(f"  schema: {json.dumps(case['schema'])}")
                print(f"  output: {case['output']!r}")
    print(f"{total} outputs, {bad} invalid")
    return 1 if bad or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
