// The applications that use media (spec §4.2): echo, playback, gentones, send_dtmf,
// record_session / stop_record_session. They need the leg's own media (default mode): an
// unanswered call is pre-answered (playback, gentones — the caller hears it as early media)
// or answered (echo), with our SDP. Without a media engine they fail clearly.

import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { AppContext, Application, CallCore, Channel } from '../b2bua/index.js';
import { MediaRefusal, MediaSourceError, type MediaEndpoint } from '../b2bua/index.js';
import { untilAborted } from './basic.js';

type Prepared = { ep: MediaEndpoint } | { error: string };

/**
 * The leg's media, set up for local audio: answered (`answer`) or pre-answered with our SDP
 * when the call has not been answered yet.
 */
async function prepare(ch: Channel, core: CallCore, how: 'answer' | 'pre_answer'): Promise<Prepared> {
  const media = core.media;
  if (!media) return { error: '-ERR no media on this switch' };
  try {
    const ep = await media.local(ch);
    if (ch.hungUp) return { error: '-ERR hung up' };
    if (!ch.answered) {
      if (how === 'answer') ch.answer(ch.localSdp);
      else if (ch.answerState !== 'early') ch.preAnswer(ch.localSdp);
    }
    return { ep };
  } catch (err) {
    if (err instanceof MediaRefusal) {
      if (!ch.answered) ch.hangup(err.hangupCause);
      return { error: `-ERR ${err.message}` };
    }
    throw err;
  }
}

/** `{loops=N}path` → loops and path (FreeSWITCH's playback prefix). */
function loopsOf(data: string): { loops: number; uri: string } {
  const m = /^\{([^}]*)\}(.*)$/s.exec(data.trim());
  if (!m) return { loops: 1, uri: data.trim() };
  const loops = /(?:^|,)loops=(-?\d+)/.exec(m[1]!);
  return { loops: loops ? Number(loops[1]) : 1, uri: m[2]!.trim() };
}

/** DTMF that ends a playback (`playback_terminators`: default `*`, `any`, `none`). */
function terminatorsOf(ch: Channel): (digit: string) => boolean {
  const t = (ch.getVariable('playback_terminators') ?? '*').trim().toLowerCase();
  if (t === 'none' || t === '') return () => false;
  if (t === 'any') return () => true;
  return (d) => t.includes(d.toLowerCase());
}

async function play(ch: Channel, uri: string, loops: number, ctx: AppContext): Promise<string> {
  const p = await prepare(ch, ctx.core, 'pre_answer');
  if ('error' in p) return p.error;
  let playback;
  try {
    playback = await p.ep.media.play(uri, { loops });
  } catch (err) {
    if (err instanceof MediaSourceError) return err.reason === 'not-found' ? 'FILE NOT FOUND' : 'PLAYBACK ERROR';
    ch.log.warn({ err, uri }, 'playback failed');
    return 'PLAYBACK ERROR';
  }
  ch.setVariable('playback_terminator_used', undefined);
  const isTerminator = terminatorsOf(ch);
  const onDtmf = (digit: string) => {
    if (!isTerminator(digit)) return;
    ch.setVariable('playback_terminator_used', digit);
    playback.stop();
  };
  ch.on('dtmf', onDtmf);
  const onAbort = () => playback.stop();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const end = await playback.finished;
    return end === 'done' || end === 'stopped' ? 'FILE PLAYED' : 'PLAYBACK ERROR';
  } finally {
    ch.off('dtmf', onDtmf);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

const recordings = new WeakMap<Channel, Map<string, { stop(): Promise<void> | void }>>();

export const mediaApplications: readonly Application[] = [
  {
    name: 'echo',
    async run(ch, _data, ctx) {
      const p = await prepare(ch, ctx.core, 'answer');
      if ('error' in p) return p.error;
      const echo = p.ep.media.echo();
      await untilAborted(ctx.signal);
      echo.stop();
      return '';
    },
  },
  {
    name: 'playback',
    run(ch, data, ctx) {
      const { loops, uri } = loopsOf(data);
      if (!uri) return '-ERR usage: playback <file|tone_stream://…|silence_stream://ms|local_stream://name>';
      return play(ch, uri, loops, ctx);
    },
  },
  {
    name: 'gentones',
    run(ch, data, ctx) {
      // `gentones <tgml>[|<loops>]`
      const bar = data.lastIndexOf('|');
      const loops = bar > 0 && /^\s*-?\d+\s*$/.test(data.slice(bar + 1)) ? Number(data.slice(bar + 1)) : 1;
      const tgml = bar > 0 && loops !== 1 ? data.slice(0, bar) : data;
      return play(ch, tgml.startsWith('tone_stream://') ? tgml : `tone_stream://${tgml}`, loops, ctx);
    },
  },
  {
    name: 'send_dtmf',
    async run(ch, data, ctx) {
      const p = await prepare(ch, ctx.core, 'pre_answer');
      if ('error' in p) return p.error;
      const pb = p.ep.media.sendDtmf(data.trim());
      await pb.finished;
      return '';
    },
  },
  {
    name: 'record_session',
    async run(ch, data, ctx) {
      // `record_session <path> [+<max_sec>]`: both directions until hangup, left = this leg.
      const m = /^\s*(\S+)(?:\s+\+?(\d+))?/.exec(data);
      if (!m) return '-ERR usage: record_session <path> [+<max_sec>]';
      const path = m[1]!;
      const maxSec = m[2] ? Number(m[2]) : undefined;
      const media = ctx.core.media;
      if (!media) return '-ERR no media on this switch';
      const start = async () => {
        const ep = media.endpoint(ch);
        if (!ep?.hasMedia || ch.hungUp) return;
        mkdirSync(dirname(path), { recursive: true });
        const partner = ch.partner ? media.endpoint(ch.partner) : undefined;
        const rec = await media.engine.recordStereo(path, ep, partner?.hasMedia ? partner : undefined, maxSec ? { maxSec } : {});
        let list = recordings.get(ch);
        if (!list) recordings.set(ch, (list = new Map()));
        list.set(path, rec);
        ch.setVariable('record_session_path', path);
        ch.once('hangup', () => void rec.stop());
      };
      // Before the call has media of ours (typically before bridge): start once it has.
      if (media.endpoint(ch)?.hasMedia) await start();
      else ch.once('answer', () => setTimeout(() => void start().catch((err: unknown) => ch.log.warn({ err }, 'record_session failed')), 0));
      return '';
    },
  },
  {
    name: 'stop_record_session',
    async run(ch, data) {
      const list = recordings.get(ch);
      const path = data.trim();
      const rec = list?.get(path);
      if (!rec) return '-ERR not recording';
      list!.delete(path);
      await rec.stop();
      return '';
    },
  },
];
