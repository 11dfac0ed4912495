// Microphone capture: getUserMedia + MediaRecorder (WebM/Opus 128 kbps when
// the browser supports it) with a live level from an AnalyserNode.

export const PREFERRED_TYPE = 'audio/webm;codecs=opus';

export class MicError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // 'denied' | 'absent' | 'unsupported' | 'busy'
  }
}

export function recordingSupported() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

// Opens the microphone; throws MicError with a message meant for people.
export async function openMic() {
  if (!recordingSupported()) {
    throw new MicError(
      'unsupported',
      window.isSecureContext
        ? 'This browser cannot record audio. Upload a file instead.'
        : 'Recording needs a secure page (https or localhost). Upload a file instead.',
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (err) {
    const name = err && err.name;
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
      throw new MicError(
        'denied',
        'Microphone access was denied. Allow the microphone for this site in your browser settings, or upload a file instead.',
      );
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
      throw new MicError('absent', 'No microphone was found. Connect one, or upload a file instead.');
    if (name === 'NotReadableError' || name === 'AbortError')
      throw new MicError('busy', 'The microphone is in use by another application.');
    throw new MicError('unsupported', `Could not open the microphone (${name || err}).`);
  }
}

// One recording session.  onLevel(0..1) is called every animation frame.
export class Recording {
  constructor(stream, { onLevel } = {}) {
    this.stream = stream;
    this.onLevel = onLevel || (() => {});
    this.chunks = [];
    const opts = {};
    if (window.MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(PREFERRED_TYPE)) {
      opts.mimeType = PREFERRED_TYPE;
      opts.audioBitsPerSecond = 128000;
    }
    this.recorder = new MediaRecorder(stream, opts);
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size) this.chunks.push(e.data);
    });
    this.done = new Promise((resolve, reject) => {
      this.recorder.addEventListener('stop', () => {
        const type = (this.recorder.mimeType || opts.mimeType || 'audio/webm').split(';')[0];
        resolve(new Blob(this.chunks, { type }));
      });
      this.recorder.addEventListener('error', (e) => reject(e.error || new Error('recording failed')));
    });
    this.startMeter();
  }

  startMeter() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      this.ctx = new Ctx();
      if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
      const src = this.ctx.createMediaStreamSource(this.stream);
      const an = this.ctx.createAnalyser();
      an.fftSize = 1024;
      src.connect(an);
      // Float samples: byte samples bottom out near -45 dBFS, which would hide
      // true silence.
      const buf = new Float32Array(an.fftSize);
      const tick = () => {
        an.getFloatTimeDomainData(buf);
        let sum = 0;
        for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
        const rms = Math.sqrt(sum / buf.length);
        // ~-50 dBFS → 0, 0 dBFS → 1
        const db = 20 * Math.log10(rms || 1e-6);
        this.onLevel(Math.max(0, Math.min(1, (db + 50) / 50)));
        this.raf = requestAnimationFrame(tick);
      };
      this.raf = requestAnimationFrame(tick);
    } catch {
      this.ctx = null; // no meter, recording still works
    }
  }

  get mimeType() {
    return this.recorder.mimeType || '';
  }

  start() {
    this.recorder.start(250);
  }

  // Stops and resolves with the recorded Blob.
  stop() {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
    return this.done;
  }

  // Stops without keeping anything.
  cancel() {
    this.chunks = [];
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
  }

  release() {
    cancelAnimationFrame(this.raf);
    for (const t of this.stream.getTracks()) t.stop();
    if (this.ctx) this.ctx.close().catch(() => {});
    this.ctx = null;
    this.onLevel(0);
  }
}
