// The media layer's protocol-pure building blocks: codecs (G.711, G.722), resampling, RTP packet
// access and stream rewriting, RFC 4733 DTMF and SIP INFO DTMF bodies, tone and silence
// generators, WAV files, the generated music on hold, and SDP offer/answer. Sockets, the port
// pool and the relay build on these. Imports nothing above src/common.

export * from './g711.js';
export * from './g722.js';
export * from './resample.js';
export * from './rtp-packet.js';
export * from './dtmf.js';
export * from './tone.js';
export * from './wav.js';
export * from './moh.js';
export * from './sdp-codecs.js';
export * from './sdp.js';
export * from './sdp-negotiate.js';
export * from './sdp-rewrite.js';
