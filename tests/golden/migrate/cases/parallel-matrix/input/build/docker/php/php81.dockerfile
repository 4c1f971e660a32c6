FROM php:8.1-cli AS ci
COPY composer.json /app/
