import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  new Logger('Sample').log(
    `Listening on ${base}: try ${base}/prices, ${base}/sync, ${base}/health, ${base}/metrics and ${base}/sync/status`,
  );
}

void bootstrap();
