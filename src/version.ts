/** slm's version, reported in reports and `slm --version`; keep equal to package.json (a test checks). */
export const SLM_VERSION = "0.1.0";
