"""Renders the fixture rows as lm-evaluation-harness renders them, to lm_eval_renders.json (the tests' reference).

Run: python3 lm_eval_render.py /path/to/lm-evaluation-harness   (read at commit 4e7e0d47f33bc71070c1d38394bafbb52b117163)

The harness itself cannot be installed here (no PyPI), so this script loads, from that checkout, the task YAMLs and
the harness's own Python for everything task-specific: hellaswag/utils.py (process_docs' preprocessing),
winogrande/preprocess_winogrande.py and lm_eval/api/utils.py (Message, maybe_delimit). The glue below is copied from
lm_eval/api/task.py (ConfigurableTask.doc_to_text/doc_to_target/doc_to_choice, fewshot_context/build_qa_turn and
construct_requests for output_type multiple_choice, zero-shot, no chat template) and lm_eval/utils.py (the Jinja
environment: StrictUndefined, keep_trailing_newline=True). Needs jinja2 and pyyaml.
"""
import ast
import importlib.util
import json
import os
import sys
import types

import jinja2
import yaml

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(root, path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


sys.modules["datasets"] = types.SimpleNamespace(Dataset=list)  # hellaswag/utils.py uses it in type hints only
hellaswag_utils = load("lm_eval/tasks/hellaswag/utils.py", "hellaswag_utils")
winogrande = load("lm_eval/tasks/winogrande/preprocess_winogrande.py", "preprocess_winogrande")
api_utils = load("lm_eval/api/utils.py", "api_utils")

env = jinja2.Environment(loader=jinja2.BaseLoader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def apply_template(template, doc):
    return env.from_string(template).render(**doc)


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))


def task_yaml(path):
    with open(os.path.join(root, path)) as f:
        config = yaml.load(f, Loader=Loader)
    if "include" in config:
        base = task_yaml(os.path.join(os.path.dirname(path), config.pop("include")))
        base.update(config)
        config = base
    return config


def field(doc, spec, kind, features):
    """ConfigurableTask.doc_to_text / doc_to_target / doc_to_choice for a YAML string or list spec."""
    if callable(spec):
        return spec(doc)
    if isinstance(spec, list):
        return spec
    if spec in features:
        return doc[spec]
    rendered = apply_template(spec, doc)
    if kind == "choice":
        return ast.literal_eval(rendered)
    if rendered.isdigit():
        return ast.literal_eval(rendered)
    return rendered


def render(config, doc, functions):
    features = set(doc.keys())
    spec = lambda key: functions.get(key, config[key])
    text = field(doc, spec("doc_to_text"), "text", features)
    target = field(doc, spec("doc_to_target"), "target", features)
    choices = field(doc, spec("doc_to_choice"), "choice", features)
    description = config.get("description", "")
    if description:
        description = apply_template(description, doc)
    messages = []
    if description:
        messages.append(api_utils.Message("system", api_utils.maybe_delimit(None, description, "\n\n")))
    delim = config.get("target_delimiter", " ")
    if isinstance(text, int):  # multiple inputs (winogrande): one context per choice, the target as continuation
        contexts = ["".join(m.to_text() for m in messages + [api_utils.Message("user", c, "")]) for c in choices]
        requests = [[c, f"{delim}{target}"] for c in contexts]
        gold = text
    else:
        context = "".join(m.to_text() for m in messages + [api_utils.Message("user", text, "")])
        requests = [[context, f"{delim}{c}"] for c in choices]
        gold = target if isinstance(target, int) else choices.index(target)
    return {"requests": requests, "choices": choices, "gold": gold,
            "completion_len": [float(len(c)) for c in choices]}


def rows(name):
    with open(os.path.join(here, name + ".jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


out = {}
arc = task_yaml("lm_eval/tasks/arc/arc_challenge.yaml")
out["arc_challenge"] = [render(arc, d, {}) for d in rows("arc_challenge")]
hs = task_yaml("lm_eval/tasks/hellaswag/hellaswag.yaml")


class Rows(list):
    """datasets.Dataset.map as process_docs uses it: the function's columns are added to (or replace) each row's."""

    def map(self, fn):
        return Rows(dict(row, **fn(row)) for row in self)


out["hellaswag"] = [render(hs, d, {}) for d in hellaswag_utils.process_docs(Rows(rows("hellaswag")))]
mmlu = []
for d in rows("mmlu"):
    config = task_yaml(f"lm_eval/tasks/mmlu/default/mmlu_{d['subject']}.yaml")
    mmlu.append(render(config, d, {}))
out["mmlu"] = mmlu
piqa = task_yaml("lm_eval/tasks/piqa/piqa.yaml")
out["piqa"] = [render(piqa, d, {}) for d in rows("piqa")]
wg = task_yaml("lm_eval/tasks/winogrande/default.yaml")
out["winogrande"] = [render(wg, d, {"doc_to_text": winogrande.doc_to_text, "doc_to_target": winogrande.doc_to_target,
                                    "doc_to_choice": winogrande.doc_to_choice}) for d in rows("winogrande")]
with open(os.path.join(here, "lm_eval_renders.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
