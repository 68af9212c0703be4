import type { Clock } from '../core/clock.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

/**
 * A circuit breaker for one target. Closed: every request passes. After `failureThreshold`
 * consecutive failures it opens and rejects for `cooldownMs`; then it lets exactly one probe
 * through (half-open). The probe's success closes it; its failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private current: BreakerState = 'closed';

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: Clock,
    private readonly onChange?: (state: BreakerState) => void,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.settings.cooldownMs)
      return 'half_open';
    return this.current;
  }

  /** Whether a request may go to this target now; a true answer in half-open claims the probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    this.transition('half_open');
    return true;
  }

  /** Whether a request could go now, without claiming the half-open probe. */
  isAvailable(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.probeInFlight);
  }

  onSuccess(): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.transition('closed');
  }

  onFailure(): void {
    this.probeInFlight = false;
    if (this.current === 'half_open') {
      this.open();
      return;
    }
    this.failures += 1;
    if (this.current === 'closed' && this.failures >= this.settings.failureThreshold) this.open();
  }

  /** An attempt that ended without telling anything about the target's health (e.g. cancelled). */
  onAbandon(): void {
    this.probeInFlight = false;
  }

  private open(): void {
    this.openedAt = this.clock.now();
    this.failures = 0;
    this.transition('open');
  }

  private transition(state: BreakerState): void {
    if (this.current === state) return;
    this.current = state;
    this.onChange?.(state);
  }
}
