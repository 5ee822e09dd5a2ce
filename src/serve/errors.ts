/** An HTTP error of `rsbench serve` answered as `{"error": message}` with its 4xx status. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}
