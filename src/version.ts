// otp-canary's version, as reported in metrics (otp_canary_info) and reports. A test keeps it equal to
// package.json's, which a bundle cannot read at run time.
export const VERSION = '0.1.0';
