// The handle of something a leg plays or does for a while (a tone, a file, music on hold, echo,
// a DTMF sequence): stop it, or wait for how it ended. Control path only.

export type PlaybackKind = 'tone' | 'silence' | 'file' | 'moh' | 'echo' | 'dtmf';

/**
 * How a playback ended: `done` (played to its end), `stopped` (stop() or the leg's
 * stopPlayback()), `replaced` (another playback took the leg), `closed` (the endpoint closed).
 */
export type PlaybackEnd = 'done' | 'stopped' | 'replaced' | 'closed';

export class Playback {
  readonly kind: PlaybackKind;
  /** Resolves once, when the playback ends; never rejects. */
  readonly finished: Promise<PlaybackEnd>;
  /** Packets this playback put on the wire. */
  packetsSent = 0;
  readonly #stop: (pb: Playback) => void;
  #resolve!: (end: PlaybackEnd) => void;
  #ended: PlaybackEnd | undefined;

  /** @internal Created by the leg's media. */
  constructor(kind: PlaybackKind, stop: (pb: Playback) => void) {
    this.kind = kind;
    this.#stop = stop;
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** How it ended, or undefined while it runs. */
  get ended(): PlaybackEnd | undefined {
    return this.#ended;
  }

  get active(): boolean {
    return this.#ended === undefined;
  }

  /** Stop it (finished resolves `stopped`). A no-op once ended. */
  stop(): void {
    if (this.#ended === undefined) this.#stop(this);
  }

  /** @internal */
  end(how: PlaybackEnd): void {
    if (this.#ended !== undefined) return;
    this.#ended = how;
    this.#resolve(how);
  }
}
