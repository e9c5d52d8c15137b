// Where a full-integer int8 conversion's time goes, phase by phase (`--json`'s quantization.phasesMs), and the
// progress lines a long run prints while it works (the CLI's stderr, VS Code's progress notification): calibration
// on onnxruntime, converter-made tensors' ranges on LiteRT, the range method's choice, GPTQ, bias correction, the
// mixed-precision search's LiteRT runs, the int8 pass itself, the task guards and the blame split.

export type Int8Phase = 'equalize' | 'onnxRanges' | 'tfliteRanges' | 'rangeChoice' | 'gptq' | 'biasCorrection' | 'search' | 'quantize'
  | 'taskGuard' | 'blame';

/** Milliseconds per phase (only the phases that ran), and per whole-file step (convert, serialize, verify, write). */
export type PhaseMs = Partial<Record<Int8Phase | 'convert' | 'serialize' | 'verify' | 'write', number>>;

/** A progress line: what runs now (`phase`) and a sentence for people. */
export interface Int8Progress { phase: Int8Phase; message: string }

export class Int8Phases {
  readonly ms: PhaseMs = {};
  private readonly t0 = performance.now();
  constructor(private readonly report?: (p: Int8Progress) => void) {}

  /** Runs `fn` as (part of) `phase`: its time is added to the phase's, and `message` is reported first. */
  async time<T>(phase: Int8Phase, message: string, fn: () => T | Promise<T>): Promise<T> {
    this.say(phase, message);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.ms[phase] = (this.ms[phase] ?? 0) + performance.now() - t0;
    }
  }

  /** A progress line within a phase (the search's steps), with the time since the start. */
  say(phase: Int8Phase, message: string): void {
    this.report?.({ phase, message: `${message} (${((performance.now() - this.t0) / 1000).toFixed(0)} s)` });
  }

}
