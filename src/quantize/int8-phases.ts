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
  /** The process's CPU time (user + system, all threads: onnxruntime's and LiteRT's too) per phase, in ms: wall
   *  times beside other jobs measure the machine's load as much as the work (OCRNet's GPTQ read 61 s in one convert
   *  and 9.7 s in another on the same code, at load 20-24 under `nice`). */
  readonly cpuMs: Partial<Record<Int8Phase, number>> = {};
  private readonly t0 = performance.now();
  constructor(private readonly report?: (p: Int8Progress) => void) {}

  /** Runs `fn` as (part of) `phase`: its time is added to the phase's, and `message` is reported first. */
  async time<T>(phase: Int8Phase, message: string, fn: () => T | Promise<T>): Promise<T> {
    this.say(phase, message);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      return await fn();
    } finally {
      this.ms[phase] = (this.ms[phase] ?? 0) + performance.now() - t0;
      const c = process.cpuUsage(c0);
      this.cpuMs[phase] = (this.cpuMs[phase] ?? 0) + (c.user + c.system) / 1000;
    }
  }

  /** A progress line within a phase (the search's steps), with the time since the start. */
  say(phase: Int8Phase, message: string): void {
    this.report?.({ phase, message: `${message} (${((performance.now() - this.t0) / 1000).toFixed(0)} s)` });
  }

}
