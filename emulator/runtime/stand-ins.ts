import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Stand-ins for the parts of Azure ML's inference packages that scoring scripts import and the curated inference
 * images install: `inference_schema` (the decorators that type run()'s inputs; azureml-inference-server-http then
 * calls run with the request's JSON fields as arguments, each converted by its parameter type). They are appended
 * to sys.path, so an installed package of the same name wins.
 */
const FILES: Record<string, string> = {
  'inference_schema/__init__.py': '',
  'inference_schema/parameter_types/__init__.py': '',
  'inference_schema/schema_decorators.py': `
import functools


def _wrap(fn):
    if getattr(fn, "_aml_schema", False):
        return fn

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        for name, ptype in inner._aml_inputs.items():
            if name in kwargs:
                kwargs[name] = ptype.deserialize_input(kwargs[name])
        return fn(*args, **kwargs)

    inner._aml_schema = True
    inner._aml_inputs = {}
    return inner


def input_schema(param_name, param_type, convert_to_provided_type=True, optional=False):
    def decorate(fn):
        wrapped = _wrap(fn)
        if convert_to_provided_type:
            wrapped._aml_inputs[param_name] = param_type
        return wrapped
    return decorate


def output_schema(output_type):
    return _wrap
`,
  'inference_schema/parameter_types/numpy_parameter_type.py': `
import numpy


class NumpyParameterType:
    def __init__(self, sample_input, enforce_column_type=True, enforce_shape=True):
        self.sample_input = sample_input

    def deserialize_input(self, value):
        return numpy.asarray(value)
`,
  'inference_schema/parameter_types/pandas_parameter_type.py': `
import pandas


class PandasParameterType:
    def __init__(self, sample_input, enforce_column_type=True, enforce_shape=True, apply_column_names=False, orient="records"):
        self.sample_input = sample_input
        self.enforce_column_type = enforce_column_type
        self.orient = orient

    def deserialize_input(self, value):
        frame = pandas.DataFrame(**value) if self.orient == "split" else pandas.DataFrame(value)
        if self.enforce_column_type:
            frame = frame.astype({c: t for c, t in self.sample_input.dtypes.items() if c in frame.columns})
        return frame
`,
  'inference_schema/parameter_types/standard_py_parameter_type.py': `
class StandardPythonParameterType:
    def __init__(self, sample_input):
        self.sample_input = sample_input

    def deserialize_input(self, value):
        if isinstance(self.sample_input, dict) and isinstance(value, dict):
            return {k: (self.sample_input[k].deserialize_input(v) if hasattr(self.sample_input.get(k), "deserialize_input") else v) for k, v in value.items()}
        return value
`,
};

/** Writes the stand-in packages under `dir` (the folder the server appends to sys.path). */
export function writeStandIns(dir: string): void {
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text.replace(/^\n/, ''));
  }
}
