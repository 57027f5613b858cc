// G.711 μ-law, the encoding of Twilio Media Streams audio (8 kHz, 8 bits a sample): samples to
// linear 16-bit, and the energy of a frame, which is all voice activity detection needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace callrouter::media {

// ITU-T G.711 μ-law expansion; 0xFF and 0x7F are (near) silence.
std::int16_t mulaw_to_linear(std::uint8_t sample);

// Mean of the squared linear samples (0 for no samples). Table lookups only: cheap enough for
// every 20 ms frame of a thousand streams.
double mean_square(std::span<const std::uint8_t> mulaw);

}  // namespace callrouter::media
