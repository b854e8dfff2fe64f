/**
 * `--python-workers` and `--python-env-manager` of `mloop server` and `mloop serve`, the flags of
 * the `pythonWorkers` and `pythonEnvManager` settings: the config loader checks their values.
 */
export const pythonWorkersOption = {
  flags: '--python-workers <count>',
  description: 'Python worker processes per served Python model version (MLOOP_PYTHON_WORKERS)',
  parse: (raw: string): number => Number(raw),
};

export const pythonEnvManagerOption = {
  flags: '--python-env-manager <manager>',
  description:
    "local (the interpreter as it is) or virtualenv (one environment per model's requirements) (MLOOP_PYTHON_ENV_MANAGER)",
};
