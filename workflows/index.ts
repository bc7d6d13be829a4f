// The workflow bundle's entry point: every workflow the worker runs is exported here.
export { deregistration } from './deregistration';
export { onboarding } from './onboarding';
export { walletNotice } from './wallet-notice';
export { watchlistRescreen } from './watchlist-rescreen';
export { retentionSweep } from './retention-sweep';
export { passwordReset } from './password-reset';
export { deviceCheck } from './device-check';
export { moneyMovement } from './money-movement';
