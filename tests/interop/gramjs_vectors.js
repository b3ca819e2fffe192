// Known-answer vectors computed with gramjs's own helpers (npm "telegram"), so
// our transport/ code can be compared with an independent implementation on
// fixed inputs. Prints JSON; vectors.md holds the output of one run and the
// gramjs version it came from.
//
//   NODE_PATH=<dir>/node_modules node gramjs_vectors.js
//
// Randomness: gramjs draws padding and obfuscation headers from
// Helpers.generateRandomBytes; it is replaced here by a counter stream
// (byte i of the stream = i & 0xff, restarting per call) so the output is fixed.
"use strict";

const telegram = require("telegram");
const bigInt = require("big-integer");
const Helpers = require("telegram/Helpers");

let stream_start = 0;
Helpers.generateRandomBytes = (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; ++i) b[i] = (stream_start + i) & 0xff;
    return b;
};

const { AuthKey } = require("telegram/crypto/AuthKey");
const { MTProtoState } = require("telegram/network/MTProtoState");
const { IGE } = require("telegram/crypto/IGE");
const { FullPacketCodec } = require("telegram/network/connection/TCPFull");
const { ConnectionTCPObfuscated } = require("telegram/network/connection/TCPObfuscated");

const hex = (b) => Buffer.from(b).toString("hex");
const u64hex = (big) => BigInt.asUintN(64, BigInt(bigInt(big).toString())).toString(16).padStart(16, "0");
const seq = (n, f) => Buffer.from(Array.from({ length: n }, (_, i) => f(i) & 0xff));

const quiet = { debug() {}, info() {}, warn() {}, error() {}, canSend() { return false; } };

async function main() {
    // telegram.version (Version.js) lags the npm version; report the package one.
    const out = { gramjs: require("telegram/package.json").version };

    // auth_key[i] = i & 0xff (256 bytes)
    const auth_key = seq(256, (i) => i);
    const ak = new AuthKey();
    await ak.setKey(auth_key);
    out.auth_key = "bytes i & 0xff, i = 0..255";
    out.auth_key_id = u64hex(ak.keyId);

    // msg_key -> aes key/iv, both directions, msg_key[i] = 0xa0 + i
    const state = new MTProtoState(ak, quiet, true);
    const msg_key = seq(16, (i) => 0xa0 + i);
    out.msg_key_for_kdf = hex(msg_key);
    for (const [name, client] of [["client_to_server", true], ["server_to_client", false]]) {
        const { key, iv } = await state._calcKey(auth_key, msg_key, client);
        out[`kdf_${name}`] = { aes_key: hex(key), aes_iv: hex(iv) };
    }

    // A whole client -> server packet: salt, session id, message as gramjs
    // serializes it (msg_id, seqno, length, body = ping#7abe77ec ping_id),
    // padding from the counter stream.
    state.salt = bigInt("1122334455667788", 16);
    state.id = bigInt("0102030405060708", 16);
    const body = Buffer.alloc(12);
    body.writeUInt32LE(0x7abe77ec, 0);
    body.writeBigInt64LE(0x1234567890abcdefn, 4);
    const msg = Buffer.alloc(16);
    msg.writeBigInt64LE(0x5f00000000000004n, 0);
    msg.writeInt32LE(1, 8);
    msg.writeInt32LE(body.length, 12);
    const data = Buffer.concat([msg, body]);
    stream_start = 0;
    const packet = await state.encryptMessageData(data);
    out.client_packet = {
        salt: "1122334455667788", session_id: "0102030405060708",
        message: hex(data),
        padding_rule: "gramjs: (-(len+12) mod 16) + 12 bytes from the counter stream",
        packet: hex(packet),
    };

    // Handshake temporary AES key/iv (generateKeyDataFromNonce), with
    // server_nonce bytes = 0x10 + i, new_nonce bytes = 0x40 + i (little-endian ints).
    const server_nonce = seq(16, (i) => 0x10 + i);
    const new_nonce = seq(32, (i) => 0x40 + i);
    const le_big = (b) => Helpers.readBigIntFromBuffer(b, true, true);
    const kd = await Helpers.generateKeyDataFromNonce(le_big(server_nonce), le_big(new_nonce));
    out.handshake_key_iv = {
        server_nonce: hex(server_nonce), new_nonce: hex(new_nonce),
        key: hex(kd.key), iv: hex(kd.iv),
    };

    // AES-256-IGE, key[i] = i, iv[i] = 0x80 + i, plaintext[i] = 3 * i (64 bytes)
    const ige_key = seq(32, (i) => i);
    const ige_iv = seq(32, (i) => 0x80 + i);
    const ige_pt = seq(64, (i) => 3 * i);
    out.aes_ige = {
        key: hex(ige_key), iv: hex(ige_iv), plaintext: hex(ige_pt),
        ciphertext: hex(new IGE(ige_key, ige_iv).encryptIge(ige_pt)),
    };

    // Full framing: first two frames (seqno 0, 1) of 8-byte packets
    const full = new FullPacketCodec({});
    const p1 = seq(8, (i) => i + 1);
    out.tcp_full = {
        packet: hex(p1),
        frame_seq0: hex(full.encodePacket(p1)),
        frame_seq1: hex(full.encodePacket(p1)),
    };

    // Obfuscated2 (abridged inside): the 64-byte header for the counter-stream
    // random (stream bytes i & 0xff, which passes gramjs's first-bytes rules),
    // then the first frame carrying the 8-byte packet above.
    stream_start = 0;
    const fake_socket = function () { this.writes = []; this.write = (b) => this.writes.push(Buffer.from(b)); };
    const conn = new ConnectionTCPObfuscated({
        ip: "127.0.0.1", port: 1, dcId: 2, loggers: quiet, proxy: undefined,
        socket: fake_socket, testServers: false,
    });
    conn._codec = new conn.PacketCodecClass(conn);
    await conn._initConn();
    conn._obfuscation.write(conn._codec.encodePacket(p1));
    out.obfuscated2_abridged = {
        random: hex(seq(64, (i) => i)),
        header: hex(conn.socket.writes[0]),
        first_frame_encrypted: hex(conn.socket.writes[1]),
        first_frame_plain: hex(conn._codec.encodePacket(p1)),
    };

    // Serialization sanity: help.getNearestDc and upload.getFile as gramjs writes them
    const { Api } = telegram;
    out.tl = {
        "help.getNearestDc": hex(new Api.help.GetNearestDc().getBytes()),
        "upload.getFile(inputDocumentFileLocation(1,2,'',''),offset=1048576,limit=4096)": hex(
            new Api.upload.GetFile({
                location: new Api.InputDocumentFileLocation({
                    id: bigInt(1), accessHash: bigInt(2), fileReference: Buffer.alloc(0), thumbSize: "",
                }),
                offset: bigInt(1048576), limit: 4096,
            }).getBytes()),
    };
    console.log(JSON.stringify(out, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
