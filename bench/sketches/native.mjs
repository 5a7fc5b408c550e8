// The JavaScript floor: the provider's response returned as it came (bench/ab.mjs `floorLike`).
export default {
  async fetch(req, env) {
    return fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
  },
};
