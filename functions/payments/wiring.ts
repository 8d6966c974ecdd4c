/**
 * The payment adapters the deployed functions use. Replacing the simulated gateway with a real provider is a
 * change to `paymentGateway()` alone.
 */
import { documentClient, requireEnv } from '#shared/adapters/aws-clients';
import { DynamoGatewayAttempts } from './dynamo-gateway-attempts.ts';
import { DynamoPaymentStore } from './dynamo-payment-store.ts';
import type { PaymentGateway } from './payment-gateway.ts';
import type { PaymentStore } from './payment-store.ts';
import { SimulatedPaymentGateway } from './simulated-payment-gateway.ts';

export const paymentStore = (): PaymentStore =>
  new DynamoPaymentStore(documentClient(), requireEnv('PAYMENTS_TABLE'));

export const paymentGateway = (): PaymentGateway =>
  new SimulatedPaymentGateway(new DynamoGatewayAttempts(documentClient(), requireEnv('PAYMENTS_TABLE')));
