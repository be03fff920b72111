// The media layer: protocol-pure building blocks (codecs G.711/G.722/L16, resampling, RTP packet
// access and stream rewriting, RFC 4733 DTMF and SIP INFO DTMF bodies, tone and silence
// generators, WAV files, the generated music on hold, SDP offer/answer) and the media engine on
// top of them (port pool, endpoints with latching, proxy relay, default-mode bridge with
// transcoding, players, echo, DTMF, stereo recorder). The call layer holds one MediaEngine.
// Imports nothing above src/common.

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
export * from './port-pool.js';
export * from './audio-codec.js';
export * from './media-clock.js';
export * from './media-sources.js';
export * from './playback.js';
export {
  MediaAddressError,
  isUntrustedSdpAddress,
  type RemoteMediaAddress,
  type MediaTimeoutInfo,
  type DtmfEvent,
  type MediaEndpointHandler,
  type RtpSink,
  type MediaDropReason,
  type MediaEndpointStats,
} from './media-types.js';
export * from './media-endpoint.js';
export * from './leg-media.js';
export * from './relay.js';
export * from './media-bridge.js';
export * from './recorder.js';
export * from './media-engine.js';
