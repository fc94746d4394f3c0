/**
 * The shapes of Payments' HTTP requests and answers: the contract its clients (the web app among them) build on.
 * Types only, with no runtime imports, so the frontend can share them without pulling in the service.
 */
export interface CardDetails {
  cardNumber: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  holderName: string;
}

export interface PaymentMethodView {
  paymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}
