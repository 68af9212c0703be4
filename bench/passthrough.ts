// The floor for any Node proxy: node:http in, undici out, bytes piped back. No parsing, no auth.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const upstream = process.argv[2] ?? 'http://127.0.0.1:4010';
const port = Number(process.argv[3] ?? 4020);
const dispatcher = new Agent({ connections: 256, pipelining: 1 });

createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const upstreamResponse = await request(upstream + (req.url ?? '/'), {
    method: req.method as 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: Buffer.concat(chunks),
    dispatcher,
  });
  res.writeHead(upstreamResponse.statusCode, {
    'content-type': String(upstreamResponse.headers['content-type']),
  });
  for await (const chunk of upstreamResponse.body) res.write(chunk);
  res.end();
}).listen(port, '127.0.0.1', () => process.stdout.write(`passthrough listening on ${port}\n`));
