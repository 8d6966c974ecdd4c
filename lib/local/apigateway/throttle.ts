/**
 * Request throttling as API Gateway applies it to a REST API: a token bucket per stage method whose size is the
 * burst limit and which refills at the rate limit, under the account-level bucket of the region.
 */
import type { MethodSetting } from './model.ts';

/** API Gateway's default account-level limits per region: 10 000 requests per second, a burst of 5 000. */
export const ACCOUNT_RATE_LIMIT = 10_000;
export const ACCOUNT_BURST_LIMIT = 5_000;

export interface ThrottleLimits {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** The bucket size. */
  readonly burstLimit: number;
}

/** A token bucket that starts full. `now` is in milliseconds. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: ThrottleLimits,
    now: number,
  ) {
    this.tokens = limits.burstLimit;
    this.last = now;
  }

  /** Takes a token if one is left. */
  tryTake(now: number): boolean {
    const elapsedSeconds = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + elapsedSeconds * this.limits.rateLimit);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** `/~1orders~1{orderId}` -> `/orders/{orderId}`; `/*` stays `/*`. */
const settingResourcePath = (encoded: string): string =>
  encoded === '/*' ? '/*' : `/${encoded.replace(/^\//, '').replaceAll('~1', '/').replaceAll('~0', '~')}`;

/**
 * The MethodSetting that applies to a method: the one for this resource and method, else the stage-wide
 * `/*` `*` one. Stage-wide limits apply to each method separately, as on AWS.
 */
export const settingFor = (
  settings: readonly MethodSetting[],
  resourcePath: string,
  httpMethod: string,
): { specific?: MethodSetting | undefined; stageWide?: MethodSetting | undefined } => ({
  specific: settings.find(
    (setting) =>
      setting.resourcePath !== '/*' &&
      settingResourcePath(setting.resourcePath) === resourcePath &&
      setting.httpMethod === httpMethod.toUpperCase(),
  ),
  stageWide: settings.find((setting) => setting.resourcePath === '/*' && setting.httpMethod === '*'),
});

/** The limits of a method: its own setting, then the stage-wide one, then the account's. */
export const limitsFor = (
  settings: readonly MethodSetting[],
  resourcePath: string,
  httpMethod: string,
): ThrottleLimits => {
  const { specific, stageWide } = settingFor(settings, resourcePath, httpMethod);
  return {
    rateLimit: specific?.throttlingRateLimit ?? stageWide?.throttlingRateLimit ?? ACCOUNT_RATE_LIMIT,
    burstLimit: specific?.throttlingBurstLimit ?? stageWide?.throttlingBurstLimit ?? ACCOUNT_BURST_LIMIT,
  };
};

/** The buckets of every stage method, created on first use, plus the account's. */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly account: TokenBucket;

  constructor(now: number = Date.now()) {
    this.account = new TokenBucket({ rateLimit: ACCOUNT_RATE_LIMIT, burstLimit: ACCOUNT_BURST_LIMIT }, now);
  }

  /** Whether a request to this stage method may pass. */
  admit(key: string, limits: ThrottleLimits, now: number = Date.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limits, now);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake(now) && this.account.tryTake(now);
  }
}
