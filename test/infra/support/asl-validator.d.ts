// asl-validator 4 ships no type declarations; this is the part the infra tests use.
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }
  interface AslValidatorOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  export default function aslValidator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): AslValidationResult;
}
