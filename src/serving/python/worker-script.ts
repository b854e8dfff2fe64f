/**
 * The Python worker, run as `python -c <script> MODEL_DIR`: it loads an MLflow model with
 * `mlflow.pyfunc.load_model` and scores batches sent by the serving process.
 *
 * It lives in a TypeScript string rather than a `.py` file because the build compiles `src/` with
 * tsc alone, which copies no other files into `dist/`; `-c` runs it from memory, so nothing is
 * written to disk and the interpreter can be any environment.
 *
 * Protocol (see `worker-protocol.ts`): frames of a 4-byte big-endian length and a UTF-8 JSON
 * object, on stdin (requests) and on the process's original stdout (answers). Whatever the model
 * prints goes to stderr instead, so it cannot corrupt a frame. The first frame out is `ready`
 * (the signature, the task and the class labels) or `fatal`; then each request
 * `{"id", "columns": {name: [values]}}` gets `{"id", "predictions", "probabilities"?}` or
 * `{"id", "error"}`.
 */
export const workerScript = String.raw`
import json, math, os, struct, sys, traceback

def frames_out():
    fd = os.dup(1)
    # Anything the model or a library prints lands on stderr, never inside a frame.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "wb")

OUT = frames_out()
IN = sys.stdin.buffer

def send(message):
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    OUT.write(struct.pack(">I", len(body)) + body)
    OUT.flush()

def receive():
    header = IN.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    body = IN.read(length)
    if len(body) < length:
        return None
    return json.loads(body)

TYPES = {"double": "float64", "float": "float32", "long": "int64", "integer": "int32",
         "boolean": "bool", "string": "string"}

def signature_of(model):
    schema = model.metadata.get_input_schema()
    if schema is None and getattr(model, "input_example", None) is not None:
        # Logged without a signature MLflow could infer: the input example's columns stand in.
        from mlflow.models import infer_signature
        schema = infer_signature(model.input_example).inputs
    if schema is None:
        raise ValueError("the model has no input signature: log it with a signature or an input_example so mloop knows its columns")
    if schema.is_tensor_spec():
        raise ValueError("the model's signature is a tensor; mloop serves models whose signature names columns (log it with a pandas DataFrame input_example)")
    inputs = []
    for spec in schema.inputs:
        kind = getattr(spec.type, "name", str(spec.type))
        if kind not in TYPES:
            raise ValueError("column %r has type %s, which mloop does not serve" % (spec.name, kind))
        inputs.append({"name": spec.name, "type": TYPES[kind], "optional": not getattr(spec, "required", True)})
    return inputs

PANDAS_TYPES = {"float64": "float64", "float32": "float32", "int64": "int64", "int32": "int32",
                "bool": "bool", "string": "object"}

def frame_of(inputs, columns):
    import pandas as pd
    return pd.DataFrame({f["name"]: pd.Series(columns[f["name"]], dtype=PANDAS_TYPES[f["type"]])
                         for f in inputs if f["name"] in columns})

def plain(values):
    import numpy as np
    import pandas as pd
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError("the model returned %d columns; mloop serves one prediction per record" % values.shape[1])
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise ValueError("the model returned an array of shape %s; mloop serves one prediction per record" % (values.shape,))
        values = values.tolist()
    values = list(values)
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]

class Scorer:
    def __init__(self, model_dir):
        import mlflow.pyfunc
        self.model = mlflow.pyfunc.load_model(model_dir)
        self.inputs = signature_of(self.model)
        self.proba = None
        self.classes = None
        try:
            raw = self.model.get_raw_model()
        except Exception:
            raw = None
        flavors = self.model.metadata.flavors
        # A scikit-learn classifier also gives its probabilities, which monitoring uses.
        if "sklearn" in flavors and hasattr(raw, "predict_proba") and hasattr(raw, "classes_"):
            self.proba = raw.predict_proba
            self.classes = plain(raw.classes_)
        self.task = "classification" if self.classes is not None else self.guess_task()

    def guess_task(self):
        row = {}
        for f in self.inputs:
            row[f["name"]] = [""] if f["type"] == "string" else [False] if f["type"] == "bool" else [0]
        try:
            values = self.predict(row)["predictions"]
        except Exception:
            return "regression"
        kinds = {type(v) for v in values if v is not None}
        return "regression" if kinds and kinds <= {float} else "classification"

    def predict(self, columns):
        frame = frame_of(self.inputs, columns)
        answer = {"predictions": plain(self.model.predict(frame))}
        if self.proba is not None:
            answer["probabilities"] = self.proba(frame).tolist()
        return answer

def main():
    try:
        scorer = Scorer(sys.argv[1])
    except Exception as error:
        traceback.print_exc()
        send({"fatal": "%s: %s" % (type(error).__name__, error)})
        return
    send({"ready": {"inputs": scorer.inputs, "task": scorer.task, "classes": scorer.classes,
                    "flavors": sorted(scorer.model.metadata.flavors.keys()),
                    "python": sys.version.split()[0]}})
    while True:
        request = receive()
        if request is None:
            return
        try:
            answer = scorer.predict(request["columns"])
            answer["id"] = request["id"]
        except Exception as error:
            answer = {"id": request["id"], "error": "%s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else "")}
        send(answer)

main()
`;
