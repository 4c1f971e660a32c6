FROM php:8.2-cli AS ci
COPY composer.json /app/
